/**
 * Where a torrent's peer candidates come from: each {@link org.enjambre.discovery.PeerSource}
 * (trackers, {@code --peer} and magnet {@code x.pe}, later PEX and the DHT) pushes addresses
 * tagged with their {@link org.enjambre.net.PeerOrigin} into a {@link org.enjambre.discovery.PeerSink},
 * the torrent's engine, which decides whom to dial. Depends on net and tracker.client.
 */
package org.enjambre.discovery;
