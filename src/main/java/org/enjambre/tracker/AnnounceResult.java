package org.enjambre.tracker;

import java.util.List;

/** What the registry answers to one announce: the swarm's counts and the peers for the asker. */
public record AnnounceResult(SwarmStats stats, List<PeerEndpoint> peers) {
}
