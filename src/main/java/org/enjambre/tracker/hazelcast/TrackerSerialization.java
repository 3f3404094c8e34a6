package org.enjambre.tracker.hazelcast;

import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

/**
 * Class ids of the tracker's Hazelcast types. {@code IdentifiedDataSerializable} writes a
 * factory id and a class id instead of class names and needs no reflection, so a swarm or a
 * processor costs only its fields on the wire. Every member runs the same jar, so the factory is
 * on every classpath; it is registered by {@link TrackerMaps#configure}.
 */
public final class TrackerSerialization implements DataSerializableFactory {
    public static final int FACTORY_ID = 0x454A; // "EJ"
    static final int SWARM = 1;
    static final int ANNOUNCE = 2;
    static final int ANNOUNCE_OUTCOME = 3;
    static final int READ_STATS = 4;
    static final int READ_SWARM = 5;
    static final int SWEEP = 6;
    static final int SAMPLE_PEERS = 7;

    @Override
    public IdentifiedDataSerializable create(int typeId) {
        switch (typeId) {
            case SWARM:
                return new Swarm();
            case ANNOUNCE:
                return new AnnounceProcessor();
            case ANNOUNCE_OUTCOME:
                return new AnnounceOutcome();
            case READ_STATS:
                return new ReadStatsProcessor();
            case READ_SWARM:
                return new ReadSwarmProcessor();
            case SWEEP:
                return new SweepProcessor();
            case SAMPLE_PEERS:
                return new SamplePeersProcessor();
            default:
                throw new IllegalArgumentException("unknown tracker class id " + typeId);
        }
    }
}
