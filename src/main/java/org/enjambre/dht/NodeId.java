package org.enjambre.dht;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A 160-bit DHT identifier: a node's id or an info-hash used as a lookup target. Distance is the
 * XOR metric of BEP 5, compared as an unsigned 160-bit number.
 */
public final class NodeId implements Comparable<NodeId> {
    public static final int LENGTH = 20;
    public static final int BITS = 160;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] bytes;

    private NodeId(byte[] bytes) {
        this.bytes = bytes;
    }

    public static NodeId of(byte[] bytes) {
        if (bytes == null || bytes.length != LENGTH) {
            throw new IllegalArgumentException("a node id is 20 bytes, got " + (bytes == null ? "none" : bytes.length));
        }
        return new NodeId(bytes.clone());
    }

    public static NodeId random() {
        byte[] b = new byte[LENGTH];
        RANDOM.nextBytes(b);
        return new NodeId(b);
    }

    public static NodeId fromHex(String hex) {
        return of(HexFormat.of().parseHex(hex));
    }

    /**
     * A random id that shares its first {@code prefixBits} bits with {@code base} and differs at bit
     * {@code prefixBits} (when below 160): a target inside one bucket of a routing table.
     */
    public static NodeId randomWithPrefix(NodeId base, int prefixBits) {
        byte[] b = new byte[LENGTH];
        RANDOM.nextBytes(b);
        for (int i = 0; i < prefixBits && i < BITS; i++) {
            setBit(b, i, base.bit(i));
        }
        if (prefixBits < BITS) {
            setBit(b, prefixBits, !base.bit(prefixBits));
        }
        return new NodeId(b);
    }

    private static void setBit(byte[] b, int index, boolean on) {
        int mask = 0x80 >>> (index & 7);
        b[index >>> 3] = (byte) (on ? b[index >>> 3] | mask : b[index >>> 3] & ~mask);
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    /** Bit {@code index}, 0 being the most significant. */
    public boolean bit(int index) {
        return (bytes[index >>> 3] & (0x80 >>> (index & 7))) != 0;
    }

    /** How many leading bits this id shares with {@code other} (160 when equal). */
    public int commonPrefixLength(NodeId other) {
        for (int i = 0; i < LENGTH; i++) {
            int x = (bytes[i] ^ other.bytes[i]) & 0xff;
            if (x != 0) {
                return i * 8 + Integer.numberOfLeadingZeros(x) - 24;
            }
        }
        return BITS;
    }

    /**
     * Which of {@code a} and {@code b} is closer to this id: negative when {@code a} is, positive
     * when {@code b} is, zero when they are the same id.
     */
    public int compareDistance(NodeId a, NodeId b) {
        for (int i = 0; i < LENGTH; i++) {
            int da = (a.bytes[i] ^ bytes[i]) & 0xff;
            int db = (b.bytes[i] ^ bytes[i]) & 0xff;
            if (da != db) {
                return Integer.compare(da, db);
            }
        }
        return 0;
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public int compareTo(NodeId o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NodeId other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "NodeId[" + hex() + "]";
    }
}
