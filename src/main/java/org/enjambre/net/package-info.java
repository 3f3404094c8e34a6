/**
 * Addresses on the network: {@link org.enjambre.net.PeerAddress}, the one type for where a peer
 * listens (and its compact codings), and {@link org.enjambre.net.PeerOrigin}, where a candidate came from.
 * Later the node's UDP socket demultiplexer (KRPC and UDP tracker on one port).
 */
package org.enjambre.net;
