/**
 * The tracker server: the {@link org.enjambre.tracker.server.AnnounceService} (allow-list, limits,
 * registry, refusals) behind its front ends ({@link org.enjambre.tracker.server.HttpTracker}, served on
 * the tracker port by the lean Netty {@link org.enjambre.tracker.server.HttpFrontEnd}, and
 * {@link org.enjambre.tracker.server.UdpTracker} for BEP 15 with its stateless
 * {@link org.enjambre.tracker.server.ConnectionIds}, and {@link org.enjambre.tracker.server.RegistryPeerStorage}
 * which makes a DHT node's {@code get_peers} and {@code announce_peer} the registry's), and the {@link org.enjambre.tracker.server.PeerRegistry} it stores swarms
 * in. Depends on tracker.protocol, dht (the storage seam it implements), Vert.x and its Netty; the Hazelcast registry is in tracker.hazelcast.
 */
package org.enjambre.tracker.server;
