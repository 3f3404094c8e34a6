package org.enjambre.tracker.hazelcast;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

/**
 * An entry processor that only reads a swarm: {@link ReadOnly}, so it needs no backup and takes
 * no lock, and it carries no state, so it writes nothing on the wire. Subclasses say what they
 * read and their serialization class id.
 */
abstract class ReadOnlySwarmProcessor<R> implements EntryProcessor<String, Swarm, R>, ReadOnly, IdentifiedDataSerializable {

    @Override
    public final EntryProcessor<String, Swarm, R> getBackupProcessor() {
        return null;
    }

    @Override
    public final int getFactoryId() {
        return TrackerSerialization.FACTORY_ID;
    }

    @Override
    public final void writeData(ObjectDataOutput out) {
    }

    @Override
    public final void readData(ObjectDataInput in) {
    }
}
