package org.enjambre.tracker.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import org.enjambre.tracker.protocol.AnnounceAnswer;
import org.enjambre.tracker.protocol.ReceivedAnnounce;
import org.enjambre.tracker.protocol.SwarmStats;
import org.enjambre.tracker.protocol.TrackerRefusal;
import org.enjambre.tracker.server.PeerRegistry;
import org.enjambre.tracker.server.SwarmSnapshot;

/**
 * {@link PeerRegistry} on the Hazelcast IMap {@link TrackerMaps#SWARMS}. An announce is one
 * {@code submitToKey}: one operation on the swarm owner's partition thread (plus the replayed
 * change on its backup), whatever the number of members or peers.
 */
public final class HazelcastPeerRegistry implements PeerRegistry {
    /** Most peers one swarm holds; a new peer past it is refused (real swarms stay far below). */
    public static final int DEFAULT_MAX_PEERS_PER_SWARM = 100_000;
    /**
     * Most swarms the cluster holds; past it, announces for new torrents are refused until the
     * sweep brings the count down. Checked from the map's size as of the last sweep, so the
     * announce path never counts.
     */
    public static final int DEFAULT_MAX_SWARMS = 2_000_000;

    private final Vertx vertx;
    private final IMap<String, Swarm> swarms;
    private final long peerTimeoutMillis;
    private final LongSupplier clock;
    private final int maxPeersPerSwarm;
    private final int maxSwarms;
    private volatile boolean full;

    /**
     * @param peerTimeout how long a peer stays without announcing (BEP 3 trackers use 2 x interval)
     * @param clock       epoch milliseconds
     */
    public HazelcastPeerRegistry(Vertx vertx, HazelcastInstance hazelcast, Duration peerTimeout, LongSupplier clock) {
        this(vertx, hazelcast, peerTimeout, clock, DEFAULT_MAX_PEERS_PER_SWARM, DEFAULT_MAX_SWARMS);
    }

    /** With explicit limits (tests use small ones). */
    public HazelcastPeerRegistry(Vertx vertx, HazelcastInstance hazelcast, Duration peerTimeout, LongSupplier clock,
                                 int maxPeersPerSwarm, int maxSwarms) {
        this.maxPeersPerSwarm = maxPeersPerSwarm;
        this.maxSwarms = maxSwarms;
        this.vertx = vertx;
        this.swarms = hazelcast.getMap(TrackerMaps.SWARMS);
        this.peerTimeoutMillis = peerTimeout.toMillis();
        this.clock = clock;
    }

    public HazelcastPeerRegistry(Vertx vertx, HazelcastInstance hazelcast, Duration peerTimeout) {
        this(vertx, hazelcast, peerTimeout, System::currentTimeMillis);
    }

    private Context context() {
        return vertx.getOrCreateContext();
    }

    /** A Hazelcast stage completed on the caller's event loop ({@link ContextFutures}). */
    private <T> Future<T> onContext(CompletionStage<T> stage) {
        return ContextFutures.onContext(context(), stage);
    }

    @Override
    public Future<AnnounceAnswer> announce(ReceivedAnnounce announce) {
        long now = clock.getAsLong();
        AnnounceProcessor processor = new AnnounceProcessor(announce, now, now - peerTimeoutMillis, maxPeersPerSwarm, !full);
        return onContext(swarms.submitToKey(announce.infoHashHex(), processor))
                .compose(outcome -> outcome.refusal != null
                        ? Future.failedFuture(new TrackerRefusal(outcome.refusal))
                        : Future.succeededFuture(outcome.answer()));
    }

    @Override
    public Future<Map<String, SwarmStats>> scrape(List<String> infoHashes) {
        Set<String> keys = new LinkedHashSet<>(infoHashes);
        if (keys.isEmpty()) {
            return Future.succeededFuture(Map.of());
        }
        return onContext(swarms.submitToKeys(keys, new ReadStatsProcessor()))
                .map(found -> {
                    Map<String, SwarmStats> out = new LinkedHashMap<>();
                    for (String h : keys) {
                        out.put(h, stats(found.get(h)));
                    }
                    return out;
                });
    }

    @Override
    public Future<Map<String, SwarmStats>> scrapeAll(int limit) {
        // A whole-map read: off the announce path (scrape-all and the REST list), on a worker.
        return vertx.executeBlocking(() -> {
            Map<String, long[]> all = swarms.executeOnEntries(new ReadStatsProcessor());
            List<String> keys = new ArrayList<>(all.keySet());
            keys.sort(null);
            Map<String, SwarmStats> out = new LinkedHashMap<>();
            for (String k : keys) {
                if (out.size() >= limit) {
                    break;
                }
                SwarmStats s = stats(all.get(k));
                if (s.complete() + s.incomplete() > 0 || s.downloaded() > 0) {
                    out.put(k, s);
                }
            }
            return out;
        });
    }

    @Override
    public Future<Optional<SwarmSnapshot>> swarm(String infoHash) {
        return onContext(swarms.submitToKey(infoHash, new ReadSwarmProcessor()))
                .map(s -> s == null ? Optional.<SwarmSnapshot>empty() : Optional.of(s.snapshot()));
    }

    @Override
    public Future<Integer> sweep() {
        long cutoff = clock.getAsLong() - peerTimeoutMillis;
        return vertx.executeBlocking(() -> {
            // Only the keys this member owns: each member sweeps its share, nobody scans it all.
            Set<String> local = swarms.localKeySet();
            if (local.isEmpty()) {
                full = swarms.size() >= maxSwarms;
                return 0;
            }
            int removed = 0;
            for (Integer n : swarms.executeOnKeys(local, new SweepProcessor(cutoff)).values()) {
                removed += n == null ? 0 : n;
            }
            full = swarms.size() >= maxSwarms;
            return removed;
        }, false);
    }

    private static SwarmStats stats(long[] counts) {
        return counts == null ? SwarmStats.EMPTY : new SwarmStats((int) counts[0], (int) counts[1], counts[2]);
    }
}
