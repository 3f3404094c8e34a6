package org.enjambre.tracker.hazelcast;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

/**
 * Which of a {@link Swarm}'s records answer an announce: up to {@code numwant} peers other than
 * the asker that announced since the cutoff; a seeder gets only leechers, a leecher both kinds,
 * taken alternately. Each range (seeders, leechers) is read from a random offset, so askers see
 * different parts of a large swarm while the cost stays O(numwant).
 */
final class PeerPick {
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    private PeerPick() {
    }

    /**
     * Slots picked among {@code records}, seeders in [0, seeders), leechers in [seeders, size).
     *
     * @param asker      the asker's slot, or -1
     * @param seenCutoff last-announce offset below which a record is stale
     */
    static int[] pick(byte[] records, int seeders, int size, int asker, boolean askerSeeds, int numwant, int seenCutoff,
                      Random random) {
        // The asker is in the swarm on every announce but a stop: without it, a small swarm's answer
        // fits exactly and is not copied again to be trimmed.
        int others = asker >= 0 && asker < size ? size - 1 : size;
        int[] out = new int[Math.max(0, Math.min(numwant, others))];
        if (out.length == 0) {
            return out;
        }
        Range l = new Range(records, seeders, size, random);
        Range s = askerSeeds ? null : new Range(records, 0, seeders, random);
        int n = 0;
        while (n < out.length) {
            boolean took = false;
            int p = l.next(asker, seenCutoff);
            if (p >= 0) {
                out[n++] = p;
                took = true;
            }
            if (s != null && n < out.length) {
                int q = s.next(asker, seenCutoff);
                if (q >= 0) {
                    out[n++] = q;
                    took = true;
                }
            }
            if (!took) {
                break;
            }
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    /** Walks slots [from, to) once, circularly, from a random start. */
    private static final class Range {
        private final byte[] records;
        private final int from;
        private final int length;
        private final int start;
        private int walked;

        Range(byte[] records, int from, int to, Random random) {
            this.records = records;
            this.from = from;
            this.length = to - from;
            this.start = length == 0 ? 0 : random.nextInt(length);
        }

        int next(int skip, int seenCutoff) {
            while (walked < length) {
                int slot = from + (start + walked++) % length;
                if (slot != skip && (int) INT.get(records, slot * Swarm.RECORD + Swarm.SEEN) >= seenCutoff) {
                    return slot;
                }
            }
            return -1;
        }
    }
}
