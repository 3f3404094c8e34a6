package org.enjambre.tracker;

import java.util.HexFormat;

/**
 * A validated announce (BEP 3, BEP 23). {@code ip} is the address the peer will be handed out
 * with: the connection's address, or the {@code ip} parameter when the request came from loopback.
 *
 * @param infoHash  20 raw bytes
 * @param peerId    20 raw bytes
 * @param ip        4 (IPv4) or 16 (IPv6) bytes
 * @param numwant   how many peers to return, already defaulted and capped
 * @param key       the client's {@code key}, or {@code null}
 */
public record AnnounceRequest(byte[] infoHash, byte[] peerId, byte[] ip, int port,
                              long uploaded, long downloaded, long left, Event event,
                              int numwant, boolean compact, boolean noPeerId, String key) {

    public boolean seeder() {
        return left == 0;
    }

    public String infoHashHex() {
        return HexFormat.of().formatHex(infoHash);
    }
}
