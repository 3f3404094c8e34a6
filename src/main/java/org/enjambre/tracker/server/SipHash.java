package org.enjambre.tracker.server;

/**
 * SipHash-2-4 (Aumasson and Bernstein), the tracker's one keyed hash. Without the 128-bit key nobody
 * can choose inputs that collide or forge a value: the registry indexes a swarm's peers by it (with
 * {@code Arrays.hashCode} 10,000 chosen peer ids made one swarm 20 times slower) and BEP 15
 * connection ids are a MAC made with it. Allocation-free: both run once per announce.
 */
public final class SipHash {
    private SipHash() {
    }

    /** SipHash-2-4 of {@code length} bytes of {@code data} from {@code offset}, under the key k0, k1. */
    public static long hash(long k0, long k1, byte[] data, int offset, int length) {
        return siphash(k0, k1, data, null, offset, length, 0, 0, 0, 0);
    }

    /**
     * SipHash-2-4 of the UTF-8 bytes of {@code text}: the same as {@link #hash} of
     * {@code text.getBytes(UTF_8)}, without making the bytes when the text is ASCII (a BEP 3
     * {@code key} is, on every announce).
     */
    public static long hash(long k0, long k1, String text) {
        int length = text.length();
        for (int i = 0; i < length; i++) {
            if (text.charAt(i) >= 0x80) {
                byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                return hash(k0, k1, bytes, 0, bytes.length);
            }
        }
        return siphash(k0, k1, null, text, 0, length, 0, 0, 0, 0);
    }

    /**
     * SipHash-2-4 of a message of {@code words} (0 to 4) little-endian 64-bit words m0.., under the key
     * k0, k1: the same as {@link #hash} of their 8 * {@code words} bytes, without making the bytes.
     */
    public static long hashWords(long k0, long k1, long m0, long m1, long m2, long m3, int words) {
        if (words < 0 || words > 4) {
            throw new IllegalArgumentException("0 to 4 words, not " + words);
        }
        return siphash(k0, k1, null, null, 0, words * 8, m0, m1, m2, m3);
    }

    /** Half {@code half} (0 or 1) of a 16-byte key, little-endian as the paper reads it. */
    public static long keyHalf(byte[] key, int half) {
        return littleEndian(key, half * 8, 8);
    }

    /** Over {@code data}, or the ASCII {@code text}, or the words m0..m3. */
    private static long siphash(long k0, long k1, byte[] data, String text, int offset, int length,
            long m0, long m1, long m2, long m3) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        int full = length >>> 3;
        // Every whole word, then the last word (the length's low byte on top of the rest), then the
        // finalization: one loop, so that the SipRound is written once.
        for (int i = 0; i <= full + 1; i++) {
            boolean finalization = i == full + 1;
            long m = 0;
            if (finalization) {
                v2 ^= 0xff;
            } else {
                if (i < full) {
                    m = data != null ? littleEndian(data, offset + 8 * i, 8) : text != null ? littleEndian(text, offset + 8 * i, 8) : switch (i) {
                        case 0 -> m0;
                        case 1 -> m1;
                        case 2 -> m2;
                        default -> m3;
                    };
                } else {
                    long tail = data != null ? littleEndian(data, offset + 8 * full, length & 7)
                            : text != null ? littleEndian(text, offset + 8 * full, length & 7) : 0;
                    m = ((long) length & 0xff) << 56 | tail;
                }
                v3 ^= m;
            }
            for (int round = 0, rounds = finalization ? 4 : 2; round < rounds; round++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            if (!finalization) {
                v0 ^= m;
            }
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

    private static long littleEndian(String ascii, int offset, int count) {
        long m = 0;
        for (int i = count - 1; i >= 0; i--) {
            m = m << 8 | (ascii.charAt(offset + i) & 0xffL);
        }
        return m;
    }

    private static long littleEndian(byte[] data, int offset, int count) {
        long m = 0;
        for (int i = count - 1; i >= 0; i--) {
            m = m << 8 | (data[offset + i] & 0xffL);
        }
        return m;
    }
}
