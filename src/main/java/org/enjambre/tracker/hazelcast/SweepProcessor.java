package org.enjambre.tracker.hazelcast;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.Map;

/**
 * Drops a swarm's peers not seen since {@code cutoff} (and the swarm when it empties). Run
 * periodically off the announce path for swarms nobody announces to any more; it is its own backup.
 */
final class SweepProcessor implements EntryProcessor<String, Swarm, Integer>, IdentifiedDataSerializable {
    private long cutoff;

    SweepProcessor() {
    }

    SweepProcessor(long cutoff) {
        this.cutoff = cutoff;
    }

    @Override
    public Integer process(Map.Entry<String, Swarm> entry) {
        Swarm s = entry.getValue();
        if (s == null) {
            return 0;
        }
        int removed = s.expire(cutoff);
        if (removed > 0 || s.isEmpty()) {
            entry.setValue(s.isEmpty() ? null : s);
        }
        // No result for a swarm that lost nobody: a sweep's results stay as small as its work.
        return removed > 0 ? removed : null;
    }

    @Override
    public int getFactoryId() {
        return TrackerSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return TrackerSerialization.SWEEP;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLong(cutoff);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        cutoff = in.readLong();
    }
}
