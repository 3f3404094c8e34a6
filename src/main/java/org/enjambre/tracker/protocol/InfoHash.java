package org.enjambre.tracker.protocol;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.HexFormat;

/**
 * A torrent's 20-byte info-hash as a map key: three primitives, no array and no hex. A tracker
 * looks every announce's info-hash up twice (the allow-list, then its swarm); as 40 hex digits
 * that made two Strings per announce. The hash is bits of the SHA-1 itself (already uniform);
 * info-hashes chosen to collide cost a logarithm, not a list walk, because the key is
 * {@link Comparable} ({@code HashMap} and {@code ConcurrentHashMap} turn a crowded bin into a tree).
 * Ordered as the bytes are (unsigned), which is also the order of the lowercase hex.
 *
 * @param high   bytes 0-7, big-endian
 * @param middle bytes 8-15, big-endian
 * @param low    bytes 16-19, big-endian
 */
public record InfoHash(long high, long middle, int low) implements Comparable<InfoHash> {
    /** Bytes of an info-hash. */
    public static final int LENGTH = 20;
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    /** The info-hash in {@code bytes} from {@code offset} (20 bytes). */
    public static InfoHash of(byte[] bytes, int offset) {
        if (offset < 0 || bytes.length - offset < LENGTH) {
            throw new IllegalArgumentException("an info-hash is " + LENGTH + " bytes, not " + Math.max(0, bytes.length - offset));
        }
        return new InfoHash((long) LONG.get(bytes, offset), (long) LONG.get(bytes, offset + 8), (int) INT.get(bytes, offset + 16));
    }

    public static InfoHash of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("an info-hash is " + LENGTH + " bytes, not " + bytes.length);
        }
        return of(bytes, 0);
    }

    /** The info-hash written as 40 lowercase hex digits, or {@code null} when {@code hex} is not that. */
    public static InfoHash fromHex(String hex) {
        if (hex == null || hex.length() != 2 * LENGTH) {
            return null;
        }
        for (int i = 0; i < hex.length(); i++) {
            char c = hex.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return null;
            }
        }
        return new InfoHash(HexFormat.fromHexDigitsToLong(hex, 0, 16), HexFormat.fromHexDigitsToLong(hex, 16, 32),
                HexFormat.fromHexDigits(hex, 32, 40));
    }

    public byte[] bytes() {
        byte[] out = new byte[LENGTH];
        LONG.set(out, 0, high);
        LONG.set(out, 8, middle);
        INT.set(out, 16, low);
        return out;
    }

    /** 40 lowercase hex digits (the Hazelcast registry's key, the REST API's name of a torrent). */
    public String hex() {
        HexFormat hex = HexFormat.of();
        return hex.toHexDigits(high) + hex.toHexDigits(middle) + hex.toHexDigits(low);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InfoHash h && high == h.high && middle == h.middle && low == h.low;
    }

    @Override
    public int hashCode() {
        // SHA-1 output: any 32 of its bits are as good a hash as a mix of all of them.
        return (int) (high >>> 32) ^ low;
    }

    @Override
    public int compareTo(InfoHash o) {
        int c = Long.compareUnsigned(high, o.high);
        if (c == 0) {
            c = Long.compareUnsigned(middle, o.middle);
        }
        return c != 0 ? c : Integer.compareUnsigned(low, o.low);
    }

    @Override
    public String toString() {
        return hex();
    }
}
