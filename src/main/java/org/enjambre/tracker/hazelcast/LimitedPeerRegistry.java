package org.enjambre.tracker.hazelcast;

import java.util.Map;
import org.enjambre.tracker.server.PeerRegistry;

/**
 * A {@link PeerRegistry} that holds swarms under {@link TrackerLimits} (the cluster's on Hazelcast,
 * or a lone tracker's in process) and counts what it refused at each, for the node's metrics.
 */
public sealed interface LimitedPeerRegistry extends PeerRegistry permits HazelcastPeerRegistry, LocalPeerRegistry {

    TrackerLimits limits();

    /** Announces refused at each limit since this registry started. */
    Map<TrackerLimits.Limit, Long> refusals();
}
