package org.enjambre.tracker.hazelcast;

import java.util.Arrays;
import org.enjambre.tracker.server.SipHash;

/**
 * A {@link Swarm}'s index of its records by peer id: open addressing, linear probing, each entry
 * the record's slot + 1 (0 for free). Two bytes an entry while slots fit, four past 65,534 peers;
 * any length (a hash is mapped onto it by multiplication), grown by half, so the index costs 3-4
 * bytes a peer in most swarms. Peer ids are hashed with SipHash under the swarm copy's own random
 * key, so ids chosen to collide (in Java's hash or any fixed one) probe like random ones.
 *
 * <p>The records stay the swarm's: every method that needs a peer id reads it from the record
 * array it is given, at {@code slot * Swarm.RECORD}.
 */
final class SwarmIndex {
    private static final int ID_LENGTH = 20;

    private final long salt0;
    private final long salt1;
    private char[] narrow = new char[8];
    /** Set instead of {@link #narrow} once slots no longer fit in a char. */
    private int[] wide;

    SwarmIndex(long salt0, long salt1) {
        this.salt0 = salt0;
        this.salt1 = salt1;
    }

    long salt0() {
        return salt0;
    }

    long salt1() {
        return salt1;
    }

    /** SipHash of {@code length} bytes under this copy's key. */
    long keyedHash(byte[] data, int offset, int length) {
        return SipHash.hash(salt0, salt1, data, offset, length);
    }

    /** SipHash of a string's UTF-8 bytes under this copy's key. */
    long keyedHash(String text) {
        return SipHash.hash(salt0, salt1, text);
    }

    int capacity() {
        return wide != null ? wide.length : narrow.length;
    }

    /** Whether one more record needs a larger index first (load factor past 3/4, or slots past a char). */
    boolean full(int size) {
        return 4 * (size + 1) > 3 * capacity() || (wide == null && size + 1 >= Character.MAX_VALUE);
    }

    /** The slot of {@code peerId} among {@code records}, or -1. */
    int find(byte[] records, byte[] peerId) {
        for (int i = home(hash(peerId, 0)); ; i = next(i)) {
            int v = entry(i);
            if (v == 0) {
                return -1;
            }
            if (Arrays.equals(records, (v - 1) * Swarm.RECORD, (v - 1) * Swarm.RECORD + ID_LENGTH, peerId, 0, ID_LENGTH)) {
                return v - 1;
            }
        }
    }

    /** Indexes {@code slot}, whose peer id is {@code id} at {@code offset}. */
    void add(int slot, byte[] id, int offset) {
        int i = home(hash(id, offset));
        while (entry(i) != 0) {
            i = next(i);
        }
        entry(i, slot + 1);
    }

    /** Takes {@code slot} out (backward-shift deletion: no tombstones); its record must still be in place. */
    void remove(byte[] records, int slot) {
        int i = home(hash(records, slot * Swarm.RECORD));
        while (entry(i) != slot + 1) {
            i = next(i);
        }
        int hole = i;
        for (int j = next(hole); entry(j) != 0; j = next(j)) {
            int home = home(hash(records, (entry(j) - 1) * Swarm.RECORD));
            // The entry at j may fill the hole if its home is not in (hole, j] circularly.
            if (distance(home, j) >= distance(hole, j)) {
                entry(hole, entry(j));
                entry(j, 0);
                hole = j;
            }
        }
        entry(hole, 0);
    }

    /** Points the entry of the record moved from {@code from} to {@code to} (already copied there) at its new slot. */
    void moved(byte[] records, int from, int to) {
        for (int i = home(hash(records, to * Swarm.RECORD)); ; i = next(i)) {
            if (entry(i) == from + 1) {
                entry(i, to + 1);
                return;
            }
        }
    }

    /** Empties the index and sizes it for {@code size} + 1 records, load factor 1/2; the caller re-adds them. */
    void resetFor(int size) {
        int capacity = Math.max(8, 2 * (size + 1));
        if (size + 1 >= Character.MAX_VALUE) {
            wide = new int[capacity];
            narrow = null;
        } else {
            narrow = new char[capacity];
            wide = null;
        }
    }

    /** Back to the empty index of a new swarm. */
    void clear() {
        narrow = new char[8];
        wide = null;
    }

    /** Mean distance of entries from their home position, plus one (what a lookup probes). */
    double meanProbeLength(byte[] records, int size) {
        long total = 0;
        for (int i = 0; i < capacity(); i++) {
            if (entry(i) != 0) {
                total += distance(home(hash(records, (entry(i) - 1) * Swarm.RECORD)), i) + 1;
            }
        }
        return size == 0 ? 0 : (double) total / size;
    }

    private int entry(int i) {
        return wide != null ? wide[i] : narrow[i];
    }

    private void entry(int i, int value) {
        if (wide != null) {
            wide[i] = value;
        } else {
            narrow[i] = (char) value;
        }
    }

    /** Where a hash's probe starts: the hash scaled onto the capacity (Lemire's multiply-shift). */
    private int home(int hash) {
        return (int) (((hash & 0xffffffffL) * capacity()) >>> 32);
    }

    private int next(int i) {
        return i + 1 == capacity() ? 0 : i + 1;
    }

    /** Steps from {@code from} forward to {@code to}, circularly. */
    private int distance(int from, int to) {
        return to >= from ? to - from : to - from + capacity();
    }

    private int hash(byte[] data, int offset) {
        long h = keyedHash(data, offset, ID_LENGTH);
        return (int) (h ^ (h >>> 32));
    }
}
