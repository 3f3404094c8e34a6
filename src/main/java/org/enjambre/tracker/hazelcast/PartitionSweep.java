package org.enjambre.tracker.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.partition.Partition;
import com.hazelcast.partition.PartitionService;
import com.hazelcast.query.Predicates;

/**
 * The sweep of the swarms this member owns, one partition at a time: an entry processor per local
 * partition (a {@code PartitionPredicate} names the partition by a key that falls in it), so no
 * step holds more than one partition's keys and results. Asking for all local keys at once, then
 * processing them together, held hundreds of bytes per swarm for the whole sweep: with many
 * swarms that pass alone ran a small heap out of memory.
 */
final class PartitionSweep {
    private final IMap<String, Swarm> swarms;
    private final PartitionService partitions;
    /** For each partition id, a key that falls in it (found once by trying keys). */
    private String[] keys;

    PartitionSweep(HazelcastInstance hazelcast, IMap<String, Swarm> swarms) {
        this.swarms = swarms;
        this.partitions = hazelcast.getPartitionService();
    }

    /** Runs {@code processor} on every swarm of every partition this member owns; answers the sum of its results. */
    int run(SweepProcessor processor) {
        int removed = 0;
        for (Partition p : partitions.getPartitions()) {
            if (p.getOwner() == null || !p.getOwner().localMember()) {
                continue;
            }
            String key = keyIn(p.getPartitionId());
            for (Integer n : swarms.executeOnEntries(processor, Predicates.partitionPredicate(key, Predicates.alwaysTrue())).values()) {
                removed += n == null ? 0 : n;
            }
        }
        return removed;
    }

    private synchronized String keyIn(int partitionId) {
        if (keys == null) {
            int count = partitions.getPartitions().size();
            String[] found = new String[count];
            int missing = count;
            // About count * ln(count) tries (coupon collector): ~1,500 for the default 271 partitions.
            for (long n = 0; missing > 0 && n < 1000L * count; n++) {
                String candidate = "sweep-" + n;
                int id = partitions.getPartition(candidate).getPartitionId();
                if (found[id] == null) {
                    found[id] = candidate;
                    missing--;
                }
            }
            keys = found;
        }
        if (keys[partitionId] == null) {
            throw new IllegalStateException("no key found for partition " + partitionId);
        }
        return keys[partitionId];
    }
}
