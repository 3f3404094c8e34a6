package org.enjambre.tracker.hazelcast;

/**
 * How many of a {@link Swarm}'s peers announced from each address, counted in buckets by a keyed
 * hash of the address (the swarm hashes, under its copy's key): one byte per 2-4 slots of the
 * swarm's index instead of a map entry per address. A bucket shared by several addresses
 * over-counts, rarely, and never on purpose (the hash is keyed); a count is never under, so the
 * per-address cap is never passed. A bucket that reached 255 stays full until the counts are
 * rebuilt ({@link #resize}): counting down from it would under-count the addresses it hides.
 */
final class AddressCounts {
    private byte[] buckets = new byte[4];

    /** Peers counted for the address of {@code hash} (at least its own). */
    int count(long hash) {
        return buckets[bucket(hash)] & 0xff;
    }

    /** One more ({@code delta} 1) or one fewer ({@code -1}) peer from the address of {@code hash}. */
    void add(long hash, int delta) {
        int b = bucket(hash);
        int n = (buckets[b] & 0xff) + delta;
        if (n >= 0 && n <= 255 && (buckets[b] & 0xff) != 255) {
            buckets[b] = (byte) n;
        }
    }

    /** Empty again, with buckets for an index of {@code indexCapacity} entries; the swarm counts its peers again. */
    void resize(int indexCapacity) {
        buckets = new byte[Integer.highestOneBit(indexCapacity) / 2];
    }

    /** Empty again, as small as a new swarm's (the swarm has no peer left). */
    void clear() {
        buckets = new byte[4];
    }

    private int bucket(long hash) {
        return (int) (hash ^ (hash >>> 32)) & (buckets.length - 1);
    }
}
