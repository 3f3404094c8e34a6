package org.enjambre.tracker.hazelcast;

import java.util.Map;

/**
 * A swarm's counts as {@code {complete, incomplete, downloaded}} (scrape); read-only, so it
 * needs no backup and takes no lock.
 */
final class ReadStatsProcessor extends ReadOnlySwarmProcessor<long[]> {

    @Override
    public long[] process(Map.Entry<String, Swarm> entry) {
        Swarm s = entry.getValue();
        if (s == null) {
            return null;
        }
        var stats = s.stats();
        return new long[] {stats.complete(), stats.incomplete(), stats.downloaded()};
    }

    @Override
    public int getClassId() {
        return TrackerSerialization.READ_STATS;
    }
}
