package org.enjambre.wire;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * The 68-byte BEP 3 handshake: {@code \x13BitTorrent protocol}, 8 reserved bytes, the 20-byte
 * info-hash and the 20-byte peer id. The reserved bits that other BEPs define are read and set by
 * name ({@link ReservedBit}); bits we do not know are kept as they came.
 */
public record Handshake(byte[] reserved, byte[] infoHash, byte[] peerId) {
    public static final int LENGTH = 68;
    static final byte[] PROTOCOL = "\u0013BitTorrent protocol".getBytes(StandardCharsets.ISO_8859_1);
    /**
     * The reserved bits we set in our own handshake: only what we implement. The extension protocol
     * (BEP 10), the fast extension (BEP 6), and the DHT, because we read the BEP 5 {@code port}
     * message (a node with {@code --no-dht} reads it and ignores it).
     */
    public static final Set<ReservedBit> SUPPORTED = Set.copyOf(EnumSet.of(ReservedBit.EXTENSION_PROTOCOL,
            ReservedBit.FAST_EXTENSION, ReservedBit.DHT));

    public Handshake {
        if (reserved.length != 8 || infoHash.length != 20 || peerId.length != 20) {
            throw new IllegalArgumentException("reserved must be 8 bytes, info-hash and peer id 20");
        }
        reserved = reserved.clone();
        infoHash = infoHash.clone();
        peerId = peerId.clone();
    }

    /** Our handshake: the bits of {@link #SUPPORTED} set, nothing else. */
    public static Handshake ours(byte[] infoHash, byte[] peerId) {
        return withBits(SUPPORTED, infoHash, peerId);
    }

    /** A handshake with exactly {@code bits} set in the reserved bytes. */
    public static Handshake withBits(Set<ReservedBit> bits, byte[] infoHash, byte[] peerId) {
        byte[] reserved = new byte[8];
        for (ReservedBit bit : bits) {
            bit.setIn(reserved);
        }
        return new Handshake(reserved, infoHash, peerId);
    }

    /** Did the sender set {@code bit}? */
    public boolean has(ReservedBit bit) {
        return bit.isSetIn(reserved);
    }

    /** The known bits the sender set. */
    public Set<ReservedBit> bits() {
        EnumSet<ReservedBit> set = EnumSet.noneOf(ReservedBit.class);
        for (ReservedBit bit : ReservedBit.values()) {
            if (has(bit)) {
                set.add(bit);
            }
        }
        return set;
    }

    /** This handshake with {@code bit} set as well (other reserved bits unchanged). */
    public Handshake with(ReservedBit bit) {
        byte[] copy = reserved.clone();
        bit.setIn(copy);
        return new Handshake(copy, infoHash, peerId);
    }

    /** Did the sender advertise the BEP 10 extension protocol? */
    public boolean supportsExtensions() {
        return has(ReservedBit.EXTENSION_PROTOCOL);
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
