package org.enjambre.node;

import io.vertx.core.Future;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.enjambre.tracker.hazelcast.LimitedPeerRegistry;
import org.enjambre.tracker.hazelcast.TrackerLimits;
import org.enjambre.tracker.protocol.AnnounceAnswer;
import org.enjambre.tracker.protocol.ReceivedAnnounce;
import org.enjambre.tracker.protocol.SwarmStats;
import org.enjambre.tracker.server.PeerRegistry;
import org.enjambre.tracker.server.SwarmSnapshot;

/**
 * A {@link PeerRegistry} that counts the announces this node answered, for the node's state
 * and {@code /metrics}; everything else is the wrapped registry's.
 */
final class CountingPeerRegistry implements PeerRegistry {
    private final PeerRegistry delegate;
    private final AtomicLong announces = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    CountingPeerRegistry(PeerRegistry delegate) {
        this.delegate = delegate;
    }

    long announces() {
        return announces.get();
    }

    long refused() {
        return refused.get();
    }

    /** Announces refused at one limit of the registry (0 for a registry without limits). */
    long refusedAt(TrackerLimits.Limit limit) {
        return delegate instanceof LimitedPeerRegistry limited ? limited.refusals().get(limit) : 0;
    }

    @Override
    public Future<AnnounceAnswer> announce(ReceivedAnnounce announce) {
        return delegate.announce(announce).onComplete(ar -> (ar.succeeded() ? announces : refused).incrementAndGet());
    }

    @Override
    public CompletionStage<AnnounceAnswer> announce(ReceivedAnnounce announce, Executor executor) {
        return delegate.announce(announce, executor).whenComplete(this::count);
    }

    private void count(AnnounceAnswer answer, Throwable failure) {
        (failure == null ? announces : refused).incrementAndGet();
    }

    @Override
    public Future<Map<String, SwarmStats>> scrape(List<String> infoHashes) {
        return delegate.scrape(infoHashes);
    }

    @Override
    public Future<Map<String, SwarmStats>> scrapeAll(int limit) {
        return delegate.scrapeAll(limit);
    }

    @Override
    public Future<Optional<SwarmSnapshot>> swarm(String infoHash) {
        return delegate.swarm(infoHash);
    }

    @Override
    public Future<Sample> sample(String infoHash, int max) {
        return delegate.sample(infoHash, max);
    }

    @Override
    public Future<Integer> sweep() {
        return delegate.sweep();
    }
}
