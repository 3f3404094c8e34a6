package org.enjambre.tracker.server;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.enjambre.tracker.protocol.AnnounceAnswer;
import org.enjambre.tracker.protocol.InfoHash;
import org.enjambre.tracker.protocol.ReceivedAnnounce;
import org.enjambre.tracker.protocol.SwarmStats;
import org.enjambre.tracker.protocol.TrackerRefusal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tracker's one announce and scrape handler, whatever front end the request came through
 * (HTTP or BEP 15 UDP): applies the allow-list, asks the {@link PeerRegistry}, and turns
 * every failure into a {@link TrackerRefusal} whose reason the client may see. Front ends only
 * decode requests and encode answers.
 */
public final class AnnounceService {
    private static final Logger LOG = LoggerFactory.getLogger(AnnounceService.class);
    /** Most swarms in a scrape that names none (scrape-all). */
    public static final int SCRAPE_ALL_LIMIT = 1000;
    /**
     * Longest wait for the registry on a scrape before the client is told to retry: while the
     * cluster promotes a dead member's backups, an operation can wait. Announces have no timer of
     * their own (one per request measured 15-30 us of CPU, a third of an announce); they rely on
     * Hazelcast's invocation timeout and the client's own.
     */
    public static final long REGISTRY_TIMEOUT_SECONDS = 10;
    /** What a client sees when the registry failed or is slow: nothing it did wrong. */
    static final String UNAVAILABLE = "tracker temporarily unavailable, retry later";

    /**
     * What the service enforces and tells clients.
     *
     * @param intervalSeconds    announce interval given to clients
     * @param minIntervalSeconds BEP 3 {@code min interval}
     * @param allowed            whether an info-hash (40 lowercase hex) is served
     * @param allowedInfoHash    the same question for an info-hash as a key, asked on every announce
     *                           (an {@link AllowList} answers it without hex)
     */
    public record Policy(int intervalSeconds, int minIntervalSeconds, Predicate<String> allowed,
                         Predicate<InfoHash> allowedInfoHash) {
        public Policy {
            if (intervalSeconds < 1 || minIntervalSeconds < 1) {
                throw new IllegalArgumentException("intervals must be at least 1 second");
            }
        }

        /** A policy whose announces are checked through {@code allowed}, by hex. */
        public Policy(int intervalSeconds, int minIntervalSeconds, Predicate<String> allowed) {
            this(intervalSeconds, minIntervalSeconds, allowed, infoHash -> allowed.test(infoHash.hex()));
        }
    }

    private final PeerRegistry registry;
    private final Policy policy;

    public AnnounceService(PeerRegistry registry, Policy policy) {
        this.registry = registry;
        this.policy = policy;
    }

    public Policy policy() {
        return policy;
    }

    /** Registers the announce and answers the peers for it; fails only with a {@link TrackerRefusal}. */
    public Future<AnnounceAnswer> announce(ReceivedAnnounce announce) {
        if (!policy.allowedInfoHash().test(announce.infoHashKey())) {
            return Future.failedFuture(new TrackerRefusal("torrent not served by this tracker"));
        }
        return registry.announce(announce).recover(AnnounceService::refusal);
    }

    /**
     * {@link #announce} without a Vert.x future, for a front end that writes its answer from the
     * thread the stage completes on ({@link PeerRegistry#announce(ReceivedAnnounce, Executor)}).
     * Its failure is the registry's as is: pass it through {@link #refusalOf} before telling the client.
     */
    public CompletionStage<AnnounceAnswer> announce(ReceivedAnnounce announce, Executor executor) {
        if (!policy.allowedInfoHash().test(announce.infoHashKey())) {
            return CompletableFuture.failedFuture(new TrackerRefusal("torrent not served by this tracker"));
        }
        return registry.announce(announce, executor);
    }

    /** What a client is told for a failed announce or scrape: the refusal itself, or that the registry is unavailable (logged). */
    public static TrackerRefusal refusalOf(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof TrackerRefusal refusal) {
            return refusal;
        }
        if (cause instanceof TimeoutException) {
            LOG.debug("registry did not answer within {} s", REGISTRY_TIMEOUT_SECONDS);
        } else {
            LOG.warn("registry failed: {}", cause.toString());
        }
        return new TrackerRefusal(UNAVAILABLE);
    }

    /**
     * Counts for each info-hash (20 raw bytes each), or for every swarm (at most
     * {@link #SCRAPE_ALL_LIMIT}) when none is named; fails only with a {@link TrackerRefusal}.
     */
    public Future<Map<String, SwarmStats>> scrape(List<byte[]> infoHashes) {
        List<String> hashes = new ArrayList<>(infoHashes.size());
        HexFormat hex = HexFormat.of();
        for (byte[] h : infoHashes) {
            String hx = hex.formatHex(h);
            if (!policy.allowed().test(hx)) {
                return Future.failedFuture(new TrackerRefusal("torrent not served by this tracker"));
            }
            hashes.add(hx);
        }
        Future<Map<String, SwarmStats>> stats = hashes.isEmpty()
                ? registry.scrapeAll(SCRAPE_ALL_LIMIT)
                : registry.scrape(hashes);
        return stats.timeout(REGISTRY_TIMEOUT_SECONDS, TimeUnit.SECONDS).recover(AnnounceService::refusal);
    }

    private static <T> Future<T> refusal(Throwable cause) {
        return Future.failedFuture(refusalOf(cause));
    }
}
