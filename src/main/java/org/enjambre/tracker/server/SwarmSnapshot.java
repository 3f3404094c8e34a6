package org.enjambre.tracker.server;

import java.util.List;
import org.enjambre.net.PeerAddress;
import org.enjambre.tracker.protocol.SwarmStats;

/** A copy of one swarm for reading (REST API): its counts and every peer in it. */
public record SwarmSnapshot(SwarmStats stats, List<PeerInfo> peers) {

    /**
     * One registered peer.
     *
     * @param peerId   20 raw bytes
     * @param address  where it listens (an IP literal: the registry never holds names)
     * @param lastSeen epoch milliseconds of its last announce
     */
    public record PeerInfo(byte[] peerId, PeerAddress address, long uploaded, long downloaded,
                           long left, long lastSeen) {
        public boolean seeder() {
            return left == 0;
        }
    }
}
