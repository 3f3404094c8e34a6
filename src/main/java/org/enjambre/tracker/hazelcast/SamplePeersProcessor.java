package org.enjambre.tracker.hazelcast;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Up to {@code max} live peers of one swarm, packed, with the swarm's counts, for a reader that
 * registers nothing (the DHT's {@code get_peers}): picked on the owner's partition thread like an
 * announce's answer, so the cost is O(max) whatever the swarm's size, and only the picked peers
 * cross the network. Read-only: no backup, no lock. Answers null when the swarm does not exist.
 */
final class SamplePeersProcessor implements EntryProcessor<String, Swarm, AnnounceOutcome>, ReadOnly,
        IdentifiedDataSerializable {
    private int max;
    private long cutoff;

    SamplePeersProcessor() {
    }

    /** @param cutoff epoch milliseconds before which a peer counts as expired */
    SamplePeersProcessor(int max, long cutoff) {
        this.max = Math.max(0, max);
        this.cutoff = cutoff;
    }

    @Override
    public AnnounceOutcome process(Map.Entry<String, Swarm> entry) {
        Swarm swarm = entry.getValue();
        if (swarm == null) {
            return null;
        }
        byte[][] packed = swarm.selectPacked(-1, max, cutoff, ThreadLocalRandom.current());
        AnnounceOutcome outcome = new AnnounceOutcome(swarm.stats(), List.of());
        outcome.compact4 = packed[0];
        outcome.compact6 = packed[1];
        return outcome;
    }

    @Override
    public EntryProcessor<String, Swarm, AnnounceOutcome> getBackupProcessor() {
        return null;
    }

    @Override
    public int getFactoryId() {
        return TrackerSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return TrackerSerialization.SAMPLE_PEERS;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeInt(max);
        out.writeLong(cutoff);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        max = in.readInt();
        cutoff = in.readLong();
    }
}
