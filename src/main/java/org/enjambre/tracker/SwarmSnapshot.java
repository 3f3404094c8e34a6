package org.enjambre.tracker;

import java.util.List;

/** A copy of one swarm for reading (REST API): its counts and every peer in it. */
public record SwarmSnapshot(SwarmStats stats, List<PeerInfo> peers) {

    /**
     * One registered peer.
     *
     * @param lastSeen epoch milliseconds of its last announce
     */
    public record PeerInfo(byte[] peerId, byte[] ip, int port, long uploaded, long downloaded,
                           long left, long lastSeen) {
        public boolean seeder() {
            return left == 0;
        }
    }
}
