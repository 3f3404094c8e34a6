package org.enjambre.tracker.hazelcast;

/**
 * How much one tracker node takes in, sized from its heap so that a flood ends in refusals (a
 * bencoded {@code failure reason}, counted in metrics), never in an OutOfMemoryError. Each node
 * holds about as many backup copies as primaries, so every figure counts two copies.
 *
 * @param swarms          swarm copies (primary or backup) this node holds before it refuses new
 *                        torrents; a cluster of N nodes holds about N / 2 times this many swarms
 * @param peersPerSwarm   peers in one swarm (one swarm lives on one node and its backup)
 * @param peersPerAddress peers one IP address registers in one swarm: enough for a NAT, too few
 *                        for one host to fill a swarm with made-up peer ids
 * @param heapFraction    the heap after garbage collection past which new peers and new swarms
 *                        are refused until the sweep frees room (the last guard, whatever the caps)
 */
public record TrackerLimits(int swarms, int peersPerSwarm, int peersPerAddress, double heapFraction) {
    /** The limits a refusal is counted under (metrics). */
    public enum Limit { SWARMS, PEERS_PER_SWARM, PEERS_PER_ADDRESS, HEAP }

    /** Share of the heap the registry may fill; the rest is Vert.x, Hazelcast and requests in flight. */
    static final double REGISTRY_SHARE = 0.6;
    /**
     * Heap per swarm copy beyond its peers: the map entry, its key as a String and as Hazelcast
     * data (~300 bytes), the swarm's object and its smallest arrays (~250 bytes), with room to spare.
     */
    static final int BYTES_PER_SWARM = 768;
    /** Heap per peer copy: a 35-byte record, 5-11 bytes of index, growth slack; measured under 50. */
    static final int BYTES_PER_PEER = 64;
    public static final int DEFAULT_PEERS_PER_ADDRESS = 32;
    public static final double DEFAULT_HEAP_FRACTION = 0.85;

    public TrackerLimits {
        if (swarms < 1 || peersPerSwarm < 1 || peersPerAddress < 1 || peersPerAddress > 254) {
            throw new IllegalArgumentException("limits must be positive (peers per address at most 254): "
                    + swarms + ", " + peersPerSwarm + ", " + peersPerAddress);
        }
        if (!(heapFraction > 0 && heapFraction <= 1)) {
            throw new IllegalArgumentException("heap fraction must be in (0, 1]: " + heapFraction);
        }
    }

    /**
     * Limits for a heap of {@code maxMemory} bytes ({@code Runtime.maxMemory()}): half of the
     * registry's share may go to swarm overheads, one swarm may take a sixteenth of the share.
     */
    public static TrackerLimits fromHeap(long maxMemory) {
        double share = maxMemory * REGISTRY_SHARE;
        int swarms = (int) Math.max(1_000, Math.min(Integer.MAX_VALUE, share / 2 / BYTES_PER_SWARM));
        int peersPerSwarm = (int) Math.max(1_000, Math.min(1_000_000, share / 16 / (2 * BYTES_PER_PEER)));
        return new TrackerLimits(swarms, peersPerSwarm, DEFAULT_PEERS_PER_ADDRESS, DEFAULT_HEAP_FRACTION);
    }

    /** For this JVM's heap. */
    public static TrackerLimits fromHeap() {
        return fromHeap(Runtime.getRuntime().maxMemory());
    }
}
