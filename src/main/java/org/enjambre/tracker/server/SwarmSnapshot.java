package org.enjambre.tracker.server;

import java.util.List;
import org.enjambre.net.PeerAddress;
import org.enjambre.tracker.protocol.SwarmStats;

/** A copy of one swarm for reading (REST API): its counts and every peer in it. */
public record SwarmSnapshot(SwarmStats stats, List<PeerInfo> peers) {

    /**
     * One registered peer. No peer id: a reader of the REST API could otherwise announce in the
     * peer's name; no transfer totals: the registry keeps only what answers need.
     *
     * @param address  where it listens (an IP literal: the registry never holds names)
     * @param seeder   whether its last announce said {@code left=0}
     * @param lastSeen epoch milliseconds of its last announce
     */
    public record PeerInfo(PeerAddress address, boolean seeder, long lastSeen) {
    }
}
