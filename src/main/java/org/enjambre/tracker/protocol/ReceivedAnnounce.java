package org.enjambre.tracker.protocol;

/**
 * An announce as a tracker received it (over HTTP today, BEP 15 UDP later): what the client
 * asked, the address it is registered and handed out with, and the form of answer it wants.
 *
 * @param request  the announce itself
 * @param ip       4 (IPv4) or 16 (IPv6) bytes: the connection's address, or the {@code ip}
 *                 parameter when the request came from loopback
 * @param compact  BEP 23 compact answer (the default) rather than the dictionary model
 * @param noPeerId leave peer ids out of a dictionary-model answer
 */
public record ReceivedAnnounce(AnnounceRequest request, byte[] ip, boolean compact, boolean noPeerId) {
    public String infoHashHex() {
        return request.infoHashHex();
    }

    public InfoHash infoHashKey() {
        return request.infoHashKey();
    }
}
