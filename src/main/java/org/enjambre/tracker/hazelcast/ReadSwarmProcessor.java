package org.enjambre.tracker.hazelcast;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.util.Map;

/**
 * A copy of one swarm (REST API), at most {@link Swarm#MAX_LISTED_PEERS} of its most recent
 * peers. A copy, because a local call would otherwise share the live object.
 */
final class ReadSwarmProcessor implements EntryProcessor<String, Swarm, Swarm>, ReadOnly, IdentifiedDataSerializable {

    @Override
    public Swarm process(Map.Entry<String, Swarm> entry) {
        Swarm s = entry.getValue();
        return s == null ? null : s.copy(Swarm.MAX_LISTED_PEERS);
    }

    @Override
    public EntryProcessor<String, Swarm, Swarm> getBackupProcessor() {
        return null;
    }

    @Override
    public int getFactoryId() {
        return TrackerSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return TrackerSerialization.READ_SWARM;
    }

    @Override
    public void writeData(ObjectDataOutput out) {
    }

    @Override
    public void readData(ObjectDataInput in) {
    }
}
