package org.enjambre.tracker.hazelcast;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.util.Map;

/**
 * A swarm's counts as {@code {complete, incomplete, downloaded}} (scrape); read-only, so it
 * needs no backup and takes no lock.
 */
final class ReadStatsProcessor implements EntryProcessor<String, Swarm, long[]>, ReadOnly, IdentifiedDataSerializable {

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
    public EntryProcessor<String, Swarm, long[]> getBackupProcessor() {
        return null;
    }

    @Override
    public int getFactoryId() {
        return TrackerSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return TrackerSerialization.READ_STATS;
    }

    @Override
    public void writeData(ObjectDataOutput out) {
    }

    @Override
    public void readData(ObjectDataInput in) {
    }
}
