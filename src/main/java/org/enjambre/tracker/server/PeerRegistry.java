package org.enjambre.tracker.server;

import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.enjambre.tracker.protocol.AnnounceAnswer;
import org.enjambre.tracker.protocol.ReceivedAnnounce;
import org.enjambre.tracker.protocol.SwarmStats;
import org.enjambre.tracker.protocol.TrackerRefusal;

/**
 * Where swarms live (the tracker server's store, implemented on Hazelcast in
 * {@code tracker.hazelcast}): the peers of each torrent, keyed by info-hash (40 lowercase hex). Every
 * tracker node of a cluster talks to the same registry, so any node can answer any announce.
 * All methods are asynchronous and never block the caller's event loop.
 */
public interface PeerRegistry {

    /**
     * Records one announce (upsert; {@code stopped} removes; the first {@code completed} of a peer
     * counts in {@code downloaded}), forgets the swarm's expired peers, and answers up to
     * {@code numwant} other peers (to a seeder, only leechers) and the swarm's counts.
     * Fails with {@link TrackerRefusal} when the announce cannot be accepted.
     */
    Future<AnnounceAnswer> announce(ReceivedAnnounce announce);

    /** Counts for each given info-hash, in the given order (zeros for unknown swarms). */
    Future<Map<String, SwarmStats>> scrape(List<String> infoHashes);

    /** Counts for every known swarm, at most {@code limit} of them. */
    Future<Map<String, SwarmStats>> scrapeAll(int limit);

    /** One swarm with its peers, or empty when nobody is in it. */
    Future<Optional<SwarmSnapshot>> swarm(String infoHash);

    /** Forgets expired peers of the swarms this node owns; answers how many were removed. */
    Future<Integer> sweep();
}
