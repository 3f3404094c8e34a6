package org.enjambre.tracker.hazelcast;

import java.util.Map;

/**
 * A copy of one swarm (REST API), at most {@link Swarm#MAX_LISTED_PEERS} of its most recent
 * peers. A copy, because a local call would otherwise share the live object.
 */
final class ReadSwarmProcessor extends ReadOnlySwarmProcessor<Swarm> {

    @Override
    public Swarm process(Map.Entry<String, Swarm> entry) {
        Swarm s = entry.getValue();
        return s == null ? null : s.copy(Swarm.MAX_LISTED_PEERS);
    }

    @Override
    public int getClassId() {
        return TrackerSerialization.READ_SWARM;
    }
}
