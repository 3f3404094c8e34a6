package org.enjambre.dht;

import org.enjambre.net.PeerAddress;

/**
 * Where a {@link DhtNode} sends its datagrams: the node's shared UDP endpoint, or in tests any
 * socket. Sending never blocks and never throws for a lost packet: UDP loses packets anyway.
 */
@FunctionalInterface
public interface KrpcSocket {
    void send(PeerAddress to, byte[] packet);
}
