/**
 * Addresses on the network: {@link org.enjambre.net.PeerAddress}, the one type for where a peer
 * listens (and its compact codings), and {@link org.enjambre.net.PeerOrigin}, where a candidate came from.
 * {@link org.enjambre.net.UdpEndpoint} is the node's one UDP socket, shared by the DHT (KRPC) and the UDP tracker client.
 */
package org.enjambre.net;
