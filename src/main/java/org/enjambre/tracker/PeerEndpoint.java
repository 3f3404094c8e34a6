package org.enjambre.tracker;

/**
 * A peer as handed out in an announce answer.
 *
 * @param peerId 20 raw bytes
 * @param ip     4 or 16 bytes
 */
public record PeerEndpoint(byte[] peerId, byte[] ip, int port) {
    public boolean ipv6() {
        return ip.length == 16;
    }
}
