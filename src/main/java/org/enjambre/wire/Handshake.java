package org.enjambre.wire;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The 68-byte BEP 3 handshake: {@code \x13BitTorrent protocol}, 8 reserved bytes, the 20-byte
 * info-hash and the 20-byte peer id.
 */
public record Handshake(byte[] reserved, byte[] infoHash, byte[] peerId) {
    public static final int LENGTH = 68;
    static final byte[] PROTOCOL = "\u0013BitTorrent protocol".getBytes(StandardCharsets.ISO_8859_1);
    /** BEP 10: reserved byte 5, bit 0x10. */
    private static final int EXTENSION_BYTE = 5;
    private static final int EXTENSION_BIT = 0x10;

    public Handshake {
        if (reserved.length != 8 || infoHash.length != 20 || peerId.length != 20) {
            throw new IllegalArgumentException("reserved must be 8 bytes, info-hash and peer id 20");
        }
        reserved = reserved.clone();
        infoHash = infoHash.clone();
        peerId = peerId.clone();
    }

    /** Our handshake: the BEP 10 bit set, nothing else (no fast extension, no DHT). */
    public static Handshake ours(byte[] infoHash, byte[] peerId) {
        byte[] reserved = new byte[8];
        reserved[EXTENSION_BYTE] |= EXTENSION_BIT;
        return new Handshake(reserved, infoHash, peerId);
    }

    /** Did the sender advertise the BEP 10 extension protocol? */
    public boolean supportsExtensions() {
        return (reserved[EXTENSION_BYTE] & EXTENSION_BIT) != 0;
    }

    @Override
    public byte[] reserved() {
        return reserved.clone();
    }

    @Override
    public byte[] infoHash() {
        return infoHash.clone();
    }

    @Override
    public byte[] peerId() {
        return peerId.clone();
    }

    public Buffer encode() {
        return Buffer.buffer(LENGTH).appendBytes(PROTOCOL).appendBytes(reserved)
                .appendBytes(infoHash).appendBytes(peerId);
    }

    /** Reads a handshake from exactly {@link #LENGTH} bytes at {@code offset}. */
    public static Handshake decode(Buffer buffer, int offset) throws WireException {
        for (int i = 0; i < PROTOCOL.length; i++) {
            if (buffer.getByte(offset + i) != PROTOCOL[i]) {
                throw new WireException(WireException.Reason.BAD_PROTOCOL,
                        "not a BitTorrent handshake (byte " + i + ")");
            }
        }
        int p = offset + PROTOCOL.length;
        return new Handshake(buffer.getBytes(p, p + 8), buffer.getBytes(p + 8, p + 28),
                buffer.getBytes(p + 28, p + 48));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Handshake h && Arrays.equals(reserved, h.reserved)
                && Arrays.equals(infoHash, h.infoHash) && Arrays.equals(peerId, h.peerId);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(infoHash) * 31 + Arrays.hashCode(peerId);
    }

    @Override
    public String toString() {
        return "Handshake[infoHash=" + HexFormatHolder.HEX.formatHex(infoHash) + ", peerId="
                + new String(peerId, StandardCharsets.ISO_8859_1) + "]";
    }

    private static final class HexFormatHolder {
        static final java.util.HexFormat HEX = java.util.HexFormat.of();
    }
}
