package org.enjambre.tracker.hazelcast;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.enjambre.tracker.hazelcast.TrackerLimits.Limit;

/**
 * Announces a registry refused at each of its {@link TrackerLimits}, told apart by the refusal's
 * reason ({@link AnnounceProcessor}'s beginnings): one counter set for both registries, so a lone
 * tracker and a cluster report the same metrics.
 */
final class Refusals {
    private final Map<Limit, AtomicLong> counts = new EnumMap<>(Limit.class);

    Refusals() {
        for (Limit l : Limit.values()) {
            counts.put(l, new AtomicLong());
        }
    }

    /**
     * Counts one refusal under its limit, if it is one (a peer id rule is not).
     *
     * @param pressed whether the heap guard was pressed when the announce was checked: a
     *                "tracker full" then comes from the heap, not from the swarm cap
     */
    void count(String refusal, boolean pressed) {
        Limit limit = limitOf(refusal, pressed);
        if (limit != null) {
            counts.get(limit).incrementAndGet();
        }
    }

    Map<Limit, Long> snapshot() {
        Map<Limit, Long> out = new EnumMap<>(Limit.class);
        counts.forEach((l, n) -> out.put(l, n.get()));
        return out;
    }

    private static Limit limitOf(String refusal, boolean pressed) {
        if (refusal.startsWith(AnnounceProcessor.TRACKER_FULL)) {
            return pressed ? Limit.HEAP : Limit.SWARMS;
        }
        if (refusal.startsWith(AnnounceProcessor.SWARM_FULL)) {
            return Limit.PEERS_PER_SWARM;
        }
        return refusal.startsWith(AnnounceProcessor.ADDRESS_FULL) ? Limit.PEERS_PER_ADDRESS : null;
    }
}
