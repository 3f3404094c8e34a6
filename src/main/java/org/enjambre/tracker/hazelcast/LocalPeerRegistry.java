package org.enjambre.tracker.hazelcast;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.enjambre.net.PeerAddress;
import org.enjambre.tracker.protocol.AnnounceAnswer;
import org.enjambre.tracker.protocol.InfoHash;
import org.enjambre.tracker.protocol.ReceivedAnnounce;
import org.enjambre.tracker.protocol.SwarmStats;
import org.enjambre.tracker.protocol.TrackerRefusal;
import org.enjambre.tracker.server.PeerRegistry;
import org.enjambre.tracker.server.SwarmSnapshot;

/**
 * The registry of a tracker that is in no cluster: the same {@link Swarm}s and the same rules
 * ({@link AnnounceProcessor}: expiry without scans, peer id and {@code key} rules, caps, heap
 * guard, {@code downloaded}) as {@link HazelcastPeerRegistry}, held in this process. A lone node
 * has nobody to replicate to, and a Hazelcast operation per announce (invocation, partition
 * thread, future) was most of a UDP announce's CPU; here an announce runs on the caller's thread
 * under its swarm's lock (the map bin's, {@link ConcurrentHashMap#compute}) and its stage is
 * complete when {@link #announce(ReceivedAnnounce, Executor)} returns.
 *
 * <p>Reads (scrape, the REST API's copy, the DHT's sample) take the same lock, since a swarm is
 * changed in place. Whole-map walks (scrape-all, the sweep) run on a worker, one swarm at a time, and
 * so does the REST API's copy of one swarm (it sorts the swarm).
 */
public final class LocalPeerRegistry implements LimitedPeerRegistry {
    private final Vertx vertx;
    /**
     * Info-hash to swarm, keyed by the hash's bits (no hex per announce). A bin that collects many
     * keys (info-hashes chosen to collide) is a tree of comparable {@link InfoHash}es, so a
     * collision costs a logarithm, not a list walk.
     */
    private final ConcurrentHashMap<InfoHash, Swarm> swarms = new ConcurrentHashMap<>();
    private final long peerTimeoutMillis;
    private final LongSupplier clock;
    private final TrackerLimits limits;
    private final HeapGuard heap;
    private final Refusals refusals = new Refusals();

    /**
     * @param peerTimeout how long a peer stays without announcing (BEP 3 trackers use 2 x interval)
     * @param clock       epoch milliseconds
     */
    public LocalPeerRegistry(Vertx vertx, Duration peerTimeout, LongSupplier clock, TrackerLimits limits) {
        this.vertx = vertx;
        this.peerTimeoutMillis = peerTimeout.toMillis();
        this.clock = clock;
        this.limits = limits;
        this.heap = new HeapGuard(limits.heapFraction());
    }

    public LocalPeerRegistry(Vertx vertx, Duration peerTimeout) {
        this(vertx, peerTimeout, System::currentTimeMillis, TrackerLimits.fromHeap());
    }

    @Override
    public TrackerLimits limits() {
        return limits;
    }

    @Override
    public Map<TrackerLimits.Limit, Long> refusals() {
        return refusals.snapshot();
    }

    @Override
    public Future<AnnounceAnswer> announce(ReceivedAnnounce announce) {
        AnnounceOutcome outcome = apply(announce);
        return outcome.refusal != null ? Future.failedFuture(new TrackerRefusal(outcome.refusal))
                : Future.succeededFuture(outcome.answer());
    }

    /** Done on the caller's thread: the stage is complete on return, {@code executor} is not needed. */
    @Override
    public CompletionStage<AnnounceAnswer> announce(ReceivedAnnounce announce, Executor executor) {
        AnnounceOutcome outcome = apply(announce);
        return outcome.refusal != null ? CompletableFuture.failedFuture(new TrackerRefusal(outcome.refusal))
                : CompletableFuture.completedFuture(outcome.answer());
    }

    private AnnounceOutcome apply(ReceivedAnnounce announce) {
        long now = clock.getAsLong();
        boolean pressed = heap.pressed();
        // size() sums a few counters; racing creations may pass the cap by the number of threads.
        boolean mayCreate = !pressed && swarms.size() < limits.swarms();
        Apply apply = new Apply(new AnnounceProcessor(announce, now, now - peerTimeoutMillis, limits, mayCreate, !pressed));
        swarms.compute(announce.infoHashKey(), apply);
        AnnounceOutcome outcome = apply.outcome;
        if (outcome.refusal != null) {
            refusals.count(outcome.refusal, pressed);
        }
        return outcome;
    }

    /**
     * One announce inside {@code compute}: the processor sees the swarm as a map entry (as on a
     * Hazelcast partition thread) and what it sets is what the map keeps; null removes the swarm.
     */
    private static final class Apply implements BiFunction<InfoHash, Swarm, Swarm>, Map.Entry<String, Swarm> {
        private final AnnounceProcessor processor;
        private InfoHash key;
        private Swarm value;
        AnnounceOutcome outcome;

        Apply(AnnounceProcessor processor) {
            this.processor = processor;
        }

        @Override
        public Swarm apply(InfoHash key, Swarm swarm) {
            this.key = key;
            this.value = swarm;
            outcome = processor.process(this);
            return value;
        }

        @Override
        public String getKey() {
            // The processor never reads the key (a Hazelcast entry's is the hex): made only if asked.
            return key.hex();
        }

        @Override
        public Swarm getValue() {
            return value;
        }

        @Override
        public Swarm setValue(Swarm swarm) {
            Swarm old = value;
            value = swarm;
            return old;
        }
    }

    /** {@code reader}'s answer on one swarm under its lock, or null when there is no such swarm (or no such hex). */
    private <T> T read(String infoHash, Function<Swarm, T> reader) {
        InfoHash key = InfoHash.fromHex(infoHash);
        return key == null ? null : read(key, reader);
    }

    private <T> T read(InfoHash infoHash, Function<Swarm, T> reader) {
        List<T> out = new ArrayList<>(1);
        swarms.computeIfPresent(infoHash, (k, swarm) -> {
            out.add(reader.apply(swarm));
            return swarm;
        });
        return out.isEmpty() ? null : out.get(0);
    }

    @Override
    public Future<Map<String, SwarmStats>> scrape(List<String> infoHashes) {
        Map<String, SwarmStats> out = new LinkedHashMap<>();
        for (String h : new LinkedHashSet<>(infoHashes)) {
            SwarmStats stats = read(h, Swarm::stats);
            out.put(h, stats == null ? SwarmStats.EMPTY : stats);
        }
        return Future.succeededFuture(out);
    }

    @Override
    public Future<Map<String, SwarmStats>> scrapeAll(int limit) {
        // A whole-map read: off the announce path (scrape-all and the REST list), on a worker.
        return vertx.executeBlocking(() -> {
            // InfoHash order is the hex order: the same swarms listed as before.
            List<InfoHash> keys = new ArrayList<>(swarms.keySet());
            keys.sort(null);
            Map<String, SwarmStats> out = new LinkedHashMap<>();
            for (InfoHash k : keys) {
                if (out.size() >= limit) {
                    break;
                }
                SwarmStats s = read(k, Swarm::stats);
                if (s != null && (s.complete() + s.incomplete() > 0 || s.downloaded() > 0)) {
                    out.put(k.hex(), s);
                }
            }
            return out;
        }, false);
    }

    @Override
    public Future<Optional<SwarmSnapshot>> swarm(String infoHash) {
        // A copy sorts the swarm's records by last announce, O(n log n) in its size: a REST read
        // of a large swarm must not hold an event loop, so it runs on a worker.
        return vertx.executeBlocking(() -> {
            Swarm copy = read(infoHash, s -> s.copy(Swarm.MAX_LISTED_PEERS));
            return copy == null ? Optional.<SwarmSnapshot>empty() : Optional.of(copy.snapshot());
        }, false);
    }

    @Override
    public Future<PeerRegistry.Sample> sample(String infoHash, int max) {
        boolean pressed = heap.pressed();
        long cutoff = clock.getAsLong() - peerTimeoutMillis;
        Picked found = read(infoHash, s -> new Picked(s.selectPacked(-1, Math.max(0, max), cutoff,
                ThreadLocalRandom.current()), s.stats()));
        if (found == null) {
            return Future.succeededFuture(new Sample(List.of(), pressed || swarms.size() >= limits.swarms()));
        }
        List<PeerAddress> peers = new ArrayList<>(PeerAddress.decodeCompact(found.packed()[0], PeerAddress.COMPACT_IPV4));
        peers.addAll(PeerAddress.decodeCompact(found.packed()[1], PeerAddress.COMPACT_IPV6));
        SwarmStats stats = found.stats();
        return Future.succeededFuture(new Sample(peers, pressed || stats.complete() + stats.incomplete() >= limits.peersPerSwarm()));
    }

    /** A sample's peers as {@link Swarm#selectPacked} packs them, and the swarm's counts. */
    private record Picked(byte[][] packed, SwarmStats stats) {
    }

    @Override
    public Future<Integer> sweep() {
        long cutoff = clock.getAsLong() - peerTimeoutMillis;
        return vertx.executeBlocking(() -> {
            int[] removed = {0};
            // One swarm at a time under its own lock: announces to the others go on meanwhile.
            for (InfoHash key : swarms.keySet()) {
                swarms.computeIfPresent(key, (k, swarm) -> {
                    removed[0] += swarm.expire(cutoff);
                    return swarm.isEmpty() ? null : swarm;
                });
            }
            return removed[0];
        }, false);
    }

    /** Swarms held now (tests, and the cap's own count). */
    int swarmCount() {
        return swarms.size();
    }
}
