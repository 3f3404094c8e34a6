package org.enjambre.tracker.server;

import io.vertx.core.Future;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.enjambre.net.PeerAddress;
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

    /**
     * {@link #announce} for a front end that answers from whatever thread the answer is ready on
     * (the UDP socket writes straight to its channel): no Vert.x future, no hop to the caller's
     * context. A registry whose work finishes on threads of its own completes the stage on
     * {@code executor}; this default completes it where {@link #announce} completes.
     */
    default CompletionStage<AnnounceAnswer> announce(ReceivedAnnounce announce, Executor executor) {
        return announce(announce).toCompletionStage();
    }

    /** Counts for each given info-hash, in the given order (zeros for unknown swarms). */
    Future<Map<String, SwarmStats>> scrape(List<String> infoHashes);

    /** Counts for every known swarm, at most {@code limit} of them. */
    Future<Map<String, SwarmStats>> scrapeAll(int limit);

    /** One swarm with its peers, or empty when nobody is in it. */
    Future<Optional<SwarmSnapshot>> swarm(String infoHash);

    /**
     * Peers of one swarm for a reader that registers nothing (a DHT {@code get_peers}).
     *
     * @param peers up to the number asked for, live ones, picked at random in a large swarm
     * @param full  whether an announce of a new peer would be refused now (the swarm, or the
     *              registry, is at its cap): a DHT node then hands out no token
     */
    record Sample(List<PeerAddress> peers, boolean full) {
        public Sample {
            peers = List.copyOf(peers);
        }
    }

    /**
     * Up to {@code max} live peers of a swarm and whether it takes new ones. This default reads a
     * whole {@link #swarm} copy; a registry that can pick where the swarm lives should.
     */
    default Future<Sample> sample(String infoHash, int max) {
        return swarm(infoHash).map(found -> {
            List<PeerAddress> peers = new java.util.ArrayList<>();
            found.ifPresent(s -> s.peers().forEach(p -> peers.add(p.address())));
            java.util.Collections.shuffle(peers);
            return new Sample(peers.subList(0, Math.min(Math.max(0, max), peers.size())), false);
        });
    }

    /** Forgets expired peers of the swarms this node owns; answers how many were removed. */
    Future<Integer> sweep();
}
