package org.enjambre.tracker.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import com.hazelcast.map.LocalMapStats;
import java.util.function.LongSupplier;
import org.enjambre.net.PeerAddress;
import org.enjambre.tracker.protocol.AnnounceAnswer;
import org.enjambre.tracker.protocol.ReceivedAnnounce;
import org.enjambre.tracker.protocol.SwarmStats;
import org.enjambre.tracker.protocol.TrackerRefusal;
import org.enjambre.tracker.server.PeerRegistry;
import org.enjambre.tracker.server.SwarmSnapshot;

/**
 * {@link PeerRegistry} on the Hazelcast IMap {@link TrackerMaps#SWARMS}. An announce is one
 * {@code submitToKey}: one operation on the swarm owner's partition thread (plus the replayed
 * change on its backup), whatever the number of members or peers. What it takes in is bounded by
 * {@link TrackerLimits} (from the heap) and a {@link HeapGuard}: past either, a refusal.
 */
public final class HazelcastPeerRegistry implements LimitedPeerRegistry {

    private final Vertx vertx;
    private final IMap<String, Swarm> swarms;
    private final long peerTimeoutMillis;
    private final LongSupplier clock;
    private final TrackerLimits limits;
    private final HeapGuard heap;
    private final PartitionSweep sweeper;
    /** Swarm copies this member held at the last sweep, and swarms made through this node since. */
    private volatile long localCopies;
    private final AtomicLong created = new AtomicLong();
    private final Refusals refusals = new Refusals();

    /**
     * @param peerTimeout how long a peer stays without announcing (BEP 3 trackers use 2 x interval)
     * @param clock       epoch milliseconds
     */
    public HazelcastPeerRegistry(Vertx vertx, HazelcastInstance hazelcast, Duration peerTimeout, LongSupplier clock) {
        this(vertx, hazelcast, peerTimeout, clock, TrackerLimits.fromHeap());
    }

    /** With explicit limits (tests use small ones). */
    public HazelcastPeerRegistry(Vertx vertx, HazelcastInstance hazelcast, Duration peerTimeout, LongSupplier clock,
                                 TrackerLimits limits) {
        this.limits = limits;
        this.heap = new HeapGuard(limits.heapFraction());
        this.vertx = vertx;
        this.swarms = hazelcast.getMap(TrackerMaps.SWARMS);
        this.sweeper = new PartitionSweep(hazelcast, swarms);
        this.peerTimeoutMillis = peerTimeout.toMillis();
        this.clock = clock;
    }

    @Override
    public TrackerLimits limits() {
        return limits;
    }

    @Override
    public Map<TrackerLimits.Limit, Long> refusals() {
        return refusals.snapshot();
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
        // The HTTP front end's way: completed on the caller's context, one hop from Hazelcast's thread.
        Context context = context();
        Promise<AnnounceAnswer> promise = Promise.promise();
        announce(announce, task -> context.runOnContext(v -> task.run())).whenComplete((answer, error) -> {
            if (error != null) {
                promise.fail(error);
            } else {
                promise.complete(answer);
            }
        });
        return promise.future();
    }

    /**
     * One {@code submitToKey}, its outcome read on {@code executor}: Hazelcast would otherwise run
     * the callback on its default async executor, a new thread per callback on two cores or fewer
     * ({@link ContextFutures}). From there on the stage is a plain JDK one: what the caller chains
     * runs on that executor's thread.
     */
    @Override
    public CompletionStage<AnnounceAnswer> announce(ReceivedAnnounce announce, Executor executor) {
        long now = clock.getAsLong();
        boolean pressed = heap.pressed();
        boolean mayCreate = !pressed && localCopies + created.get() < limits.swarms();
        AnnounceProcessor processor = new AnnounceProcessor(announce, now, now - peerTimeoutMillis, limits, mayCreate, !pressed);
        CompletableFuture<AnnounceAnswer> answer = new CompletableFuture<>();
        swarms.submitToKey(announce.infoHashHex(), processor).whenCompleteAsync((outcome, error) -> {
            if (error != null) {
                answer.completeExceptionally(error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
            } else if (outcome.refusal != null) {
                refusals.count(outcome.refusal, pressed);
                answer.completeExceptionally(new TrackerRefusal(outcome.refusal));
            } else {
                if (outcome.created) {
                    created.incrementAndGet();
                }
                answer.complete(outcome.answer());
            }
        }, executor);
        return answer;
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
    public Future<Sample> sample(String infoHash, int max) {
        boolean pressed = heap.pressed();
        boolean mayCreate = !pressed && localCopies + created.get() < limits.swarms();
        SamplePeersProcessor processor = new SamplePeersProcessor(max, clock.getAsLong() - peerTimeoutMillis);
        return onContext(swarms.submitToKey(infoHash, processor)).map(found -> {
            if (found == null) {
                return new Sample(List.of(), !mayCreate);
            }
            List<PeerAddress> peers = new ArrayList<>(PeerAddress.decodeCompact(found.compact4, PeerAddress.COMPACT_IPV4));
            peers.addAll(PeerAddress.decodeCompact(found.compact6, PeerAddress.COMPACT_IPV6));
            return new Sample(peers, pressed || found.complete + found.incomplete >= limits.peersPerSwarm());
        });
    }

    @Override
    public Future<Integer> sweep() {
        long cutoff = clock.getAsLong() - peerTimeoutMillis;
        return vertx.executeBlocking(() -> {
            // Only the partitions this member owns: each member sweeps its share, nobody scans it all.
            int removed = sweeper.run(new SweepProcessor(cutoff));
            LocalMapStats stats = swarms.getLocalMapStats();
            localCopies = stats.getOwnedEntryCount() + stats.getBackupEntryCount();
            created.set(0);
            return removed;
        }, false);
    }

    private static SwarmStats stats(long[] counts) {
        return counts == null ? SwarmStats.EMPTY : new SwarmStats((int) counts[0], (int) counts[1], counts[2]);
    }
}
