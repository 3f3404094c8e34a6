package org.enjambre.tracker.client;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.enjambre.net.PeerAddress;
import org.enjambre.tracker.protocol.AnnounceEvent;
import org.enjambre.tracker.protocol.AnnounceResponse;
import org.enjambre.tracker.protocol.TransferStats;

/**
 * Drives the tracker announces of one torrent for its whole life in this process:
 * <ol>
 *   <li>{@link #start()} sends {@code started} (retried with back-off until a tracker accepts it);</li>
 *   <li>then re-announces every {@code interval} the tracker asked for, never sooner than its
 *       {@code min interval} nor than {@link Options#minimumInterval()} (a floor against trackers
 *       that ask for hammering), never later than {@link #MAX_REANNOUNCE_INTERVAL};</li>
 *   <li>{@link #completed()} sends {@code completed} once, right away;</li>
 *   <li>{@link #stop()} sends {@code stopped} (only if {@code started} got through) and completes
 *       within {@link Options#stopTimeout()} whatever the trackers do.</li>
 * </ol>
 * Every announce reads the true counts from the engine's {@link TransferStats} supplier at the
 * moment it is sent, and every answer's peers go to the peers handler (only non-empty lists).
 * A failed announce is logged and retried after {@link Options#retryDelay()}, doubling up to
 * {@link Options#maxRetryDelay()}; the failure never reaches the engine as an exception. Until a
 * tracker has answered once, the first {@link Options#startRetries()} failures are retried after
 * {@link Options#startRetryDelay()} instead (none by default): a node started together with its
 * trackers (the demo) announces as soon as one listens, not a whole back-off later.
 *
 * <pre>{@code
 * Announcer announcer = Announcer.create(vertx, TrackerTiers.of(announce, announceList),
 *         infoHash, peerId, listenPort,
 *         () -> new TransferStats(uploaded(), downloaded(), left()),
 *         peers -> peers.forEach(peer -> engine.addPeer(peer, PeerOrigin.TRACKER)));
 * announcer.start();
 * ... announcer.completed();       // when the last piece is verified
 * ... announcer.stop();            // Future<Void>, never failed, bounded in time
 * }</pre>
 *
 * <p>Threading: the announcer lives on the Vert.x context that created it (an event loop);
 * public methods may be called from any thread. The stats supplier and the handlers are called on
 * that context, so they must be quick and must not block.
 */
public final class Announcer {
    private static final Logger LOG = LoggerFactory.getLogger(Announcer.class);

    /** Default floor between two regular announces, whatever the tracker asks. */
    public static final Duration DEFAULT_MINIMUM_INTERVAL = Duration.ofSeconds(5);
    /** Ceiling on the interval, so a tracker that answers an absurd interval is still heard from. */
    public static final Duration MAX_REANNOUNCE_INTERVAL = Duration.ofHours(2);
    /** Default wait before retrying after every tracker failed; doubles on each further failure. */
    public static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(15);
    /** Default ceiling of the retry back-off. */
    public static final Duration DEFAULT_MAX_RETRY_DELAY = Duration.ofMinutes(30);
    /** Default bound on {@link #stop()}: how long the {@code stopped} announce may take. */
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(5);

    /**
     * Timing of an announcer (tests use short ones).
     *
     * @param minimumInterval floor between regular announces
     * @param retryDelay      first wait after a failed announce
     * @param maxRetryDelay   ceiling of the doubling retry wait
     * @param stopTimeout     bound on {@link #stop()}
     * @param startRetries    failures retried after {@code startRetryDelay} while no tracker has answered yet (0: none)
     * @param startRetryDelay the wait of those early retries
     */
    public record Options(Duration minimumInterval, Duration retryDelay, Duration maxRetryDelay, Duration stopTimeout,
                          int startRetries, Duration startRetryDelay) {
        /** Most early retries: with 250 ms between them, a minute of trackers still starting. */
        public static final int MAX_START_RETRIES = 240;

        public Options {
            positive(minimumInterval, "minimumInterval");
            positive(retryDelay, "retryDelay");
            positive(maxRetryDelay, "maxRetryDelay");
            positive(stopTimeout, "stopTimeout");
            positive(startRetryDelay, "startRetryDelay");
            if (startRetries < 0 || startRetries > MAX_START_RETRIES) {
                throw new IllegalArgumentException("startRetries must be 0.." + MAX_START_RETRIES + ": " + startRetries);
            }
        }

        public Options(Duration minimumInterval, Duration retryDelay, Duration maxRetryDelay, Duration stopTimeout) {
            this(minimumInterval, retryDelay, maxRetryDelay, stopTimeout, 0, retryDelay);
        }

        public static Options defaults() {
            return new Options(DEFAULT_MINIMUM_INTERVAL, DEFAULT_RETRY_DELAY, DEFAULT_MAX_RETRY_DELAY, DEFAULT_STOP_TIMEOUT);
        }

        public Options withMinimumInterval(Duration d) {
            return new Options(d, retryDelay, maxRetryDelay, stopTimeout, startRetries, startRetryDelay);
        }

        public Options withRetryDelay(Duration first, Duration max) {
            return new Options(minimumInterval, first, max, stopTimeout, startRetries, startRetryDelay);
        }

        public Options withStopTimeout(Duration d) {
            return new Options(minimumInterval, retryDelay, maxRetryDelay, d, startRetries, startRetryDelay);
        }

        /**
         * Until a tracker has answered once, the first {@code count} failed announces are retried
         * after {@code delay}, then the usual back-off applies. For trackers known to be starting
         * at the same moment (the demo's, on loopback): a real tracker that is down is not hammered
         * beyond {@code count} quick tries.
         */
        public Options withStartRetries(int count, Duration delay) {
            return new Options(minimumInterval, retryDelay, maxRetryDelay, stopTimeout, count, delay);
        }

        private static void positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + d);
            }
        }
    }

    private final Vertx vertx;
    private final Context context;
    private final TrackerClient client;
    private final boolean ownsClient;
    private final Supplier<TransferStats> stats;
    private final Consumer<List<PeerAddress>> peersHandler;
    private final Options options;
    private volatile Consumer<AnnounceResult> resultHandler = r -> { };

    // State below is touched only on `context`.
    private boolean started;
    private boolean stopping;
    private boolean startedAcknowledged;
    private boolean completedRequested;
    private boolean completedSent;
    private Future<AnnounceResult> inFlight;
    private long timerId = -1;
    private long nextAnnounceAtNanos;
    private long lastSuccessAtNanos;
    private Duration currentMinimum;
    private int consecutiveFailures;
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private final Promise<Void> stopPromise = Promise.promise();

    private volatile AnnounceResult lastResult;
    private volatile Throwable lastError;

    /**
     * An announcer on an existing client, which stays open after {@link #stop()} (the caller closes it).
     *
     * @param stats        the engine's true counts, read at each announce
     * @param peersHandler receives the peers of each answer that has some
     */
    public Announcer(Vertx vertx, TrackerClient client, Supplier<TransferStats> stats,
                     Consumer<List<PeerAddress>> peersHandler, Options options) {
        this(vertx, client, false, stats, peersHandler, options);
    }

    private Announcer(Vertx vertx, TrackerClient client, boolean ownsClient, Supplier<TransferStats> stats,
                      Consumer<List<PeerAddress>> peersHandler, Options options) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.context = vertx.getOrCreateContext();
        this.client = Objects.requireNonNull(client, "client");
        this.ownsClient = ownsClient;
        this.stats = Objects.requireNonNull(stats, "stats");
        this.peersHandler = Objects.requireNonNull(peersHandler, "peersHandler");
        this.options = Objects.requireNonNull(options, "options");
        this.currentMinimum = options.minimumInterval();
    }

    /** An announcer with its own {@link TrackerClient} (default client options), closed by {@link #stop()}. */
    public static Announcer create(Vertx vertx, TrackerTiers tiers, byte[] infoHash, byte[] peerId, int port,
                                   Supplier<TransferStats> stats, Consumer<List<PeerAddress>> peersHandler) {
        return create(vertx, new TrackerClient(vertx, tiers, infoHash, peerId, port), stats, peersHandler, Options.defaults());
    }

    /** An announcer that owns {@code client} and closes it when {@link #stop()} completes. */
    public static Announcer create(Vertx vertx, TrackerClient client, Supplier<TransferStats> stats,
                                   Consumer<List<PeerAddress>> peersHandler, Options options) {
        return new Announcer(vertx, client, true, stats, peersHandler, options);
    }

    /** Also tells {@code handler} about every successful announce (swarm counts for a status line or dashboard). */
    public Announcer resultHandler(Consumer<AnnounceResult> handler) {
        this.resultHandler = Objects.requireNonNull(handler, "handler");
        return this;
    }

    /**
     * Sends {@code started} now and keeps announcing until {@link #stop()}. Calling it again does
     * nothing. With no usable tracker (none, or none of a supported scheme) it logs that once and does nothing.
     */
    public void start() {
        onContext(() -> {
            if (started || stopping) {
                return;
            }
            started = true;
            if (client.tiers().isEmpty()) {
                // Peers may come from --peer or the DHT; retrying an empty list would only fill the log.
                LOG.warn("no http://, https:// or udp:// tracker for this torrent: not announcing");
                return;
            }
            announce();
        });
    }

    /**
     * The download has just completed: sends {@code completed} at once (after {@code started} if
     * that has not got through yet). Only the first call counts.
     */
    public void completed() {
        onContext(() -> {
            if (completedRequested) {
                return;
            }
            completedRequested = true;
            if (started && !stopping && startedAcknowledged && inFlight == null) {
                announce();
            }
        });
    }

    /**
     * The engine wants more peers: announces as soon as the tracker's {@code min interval} (and
     * our floor) since the last successful announce allows, instead of waiting for the full interval.
     */
    public void requestPeers() {
        onContext(() -> {
            if (!started || stopping || inFlight != null || !startedAcknowledged) {
                return;
            }
            long earliest = lastSuccessAtNanos + currentMinimum.toNanos();
            if (earliest - nextAnnounceAtNanos < 0) {
                schedule(Duration.ofNanos(Math.max(0, earliest - System.nanoTime())));
            }
        });
    }

    /**
     * Stops announcing and sends {@code stopped} if {@code started} got through. The future always
     * succeeds, within {@link Options#stopTimeout()}: a tracker that does not answer in time is
     * logged and left behind. Calling it again returns the same future.
     */
    public Future<Void> stop() {
        if (stopRequested.compareAndSet(false, true)) {
            onContext(this::stopOnContext);
        }
        return stopPromise.future();
    }

    private void stopOnContext() {
        Promise<Void> done = stopPromise;
        stopping = true;
        cancelTimer();
        long stopTimeoutMs = options.stopTimeout().toMillis();
        long deadline = vertx.setTimer(stopTimeoutMs, id -> {
            if (done.tryComplete()) {
                LOG.warn("'stopped' announce not confirmed within {} ms; stopping anyway", stopTimeoutMs);
            }
        });
        // Let an announce in flight finish first, so the tracker sees started... then stopped, in order.
        Future<Void> before = inFlight == null ? Future.succeededFuture() : inFlight.transform(ar -> Future.succeededFuture());
        before.onComplete(x -> onContext(() -> {
            if (done.future().isComplete()) {
                return; // the bound passed while the earlier announce hung: too late for stopped
            }
            if (!startedAcknowledged) {
                done.tryComplete();
                return;
            }
            TransferStats now = readStats();
            Future<AnnounceResult> stopped = now == null ? Future.failedFuture("no transfer counts")
                    : client.announce(AnnounceEvent.STOPPED, now);
            stopped.onComplete(ar -> {
                if (ar.succeeded()) {
                    LOG.info("announced 'stopped' to {}", TrackerTiers.redact(ar.result().trackerUrl()));
                } else {
                    LOG.warn("could not announce 'stopped': {}", AllTrackersFailedException.describe(ar.cause()));
                }
                done.tryComplete();
            });
        }));
        done.future().onComplete(ar -> {
            vertx.cancelTimer(deadline);
            if (ownsClient) {
                client.close();
            }
        });
    }

    /** The last successful announce, if any. */
    public Optional<AnnounceResult> lastResult() {
        return Optional.ofNullable(lastResult);
    }

    /** Why the last announce failed, if it did (cleared by the next success). */
    public Optional<Throwable> lastError() {
        return Optional.ofNullable(lastError);
    }

    private void announce() {
        if (stopping || inFlight != null) {
            return;
        }
        cancelTimer();
        AnnounceEvent event = !startedAcknowledged ? AnnounceEvent.STARTED
                : completedRequested && !completedSent ? AnnounceEvent.COMPLETED
                : AnnounceEvent.NONE;
        TransferStats now = readStats();
        if (now == null) {
            failed(new IllegalStateException("the engine's transfer counts are unavailable"));
            return;
        }
        Future<AnnounceResult> attempt = client.announce(event, now);
        inFlight = attempt;
        attempt.onComplete(ar -> onContext(() -> finished(event, ar)));
    }

    private void finished(AnnounceEvent event, AsyncResult<AnnounceResult> ar) {
        inFlight = null;
        if (ar.failed()) {
            failed(ar.cause());
            return;
        }
        AnnounceResult result = ar.result();
        consecutiveFailures = 0;
        lastError = null;
        lastResult = result;
        lastSuccessAtNanos = System.nanoTime();
        if (event == AnnounceEvent.STARTED) {
            startedAcknowledged = true;
        } else if (event == AnnounceEvent.COMPLETED) {
            completedSent = true;
        }
        AnnounceResponse response = result.response();
        LOG.debug("announce {} to {}: interval {}, {} peers", event, TrackerTiers.redact(result.trackerUrl()), response.interval(),
                response.peers().size());
        deliver(result);
        if (stopping) {
            return;
        }
        Duration minimum = max(options.minimumInterval(), response.minInterval().orElse(Duration.ZERO));
        currentMinimum = min(minimum, MAX_REANNOUNCE_INTERVAL);
        if (completedRequested && !completedSent) {
            announce();
            return;
        }
        schedule(min(max(response.interval(), minimum), MAX_REANNOUNCE_INTERVAL));
    }

    private void failed(Throwable error) {
        lastError = error;
        consecutiveFailures++;
        if (stopping) {
            return;
        }
        if (lastResult == null && consecutiveFailures <= options.startRetries()) {
            // Trackers still starting: a warning for each quick retry would only fill the log.
            LOG.debug("announce failed ({}); early retry {} of {} in {} ms", AllTrackersFailedException.describe(error),
                    consecutiveFailures, options.startRetries(), options.startRetryDelay().toMillis());
            schedule(options.startRetryDelay());
            return;
        }
        Duration delay = options.retryDelay();
        int backedOff = consecutiveFailures - (lastResult == null ? options.startRetries() : 0);
        for (int i = 1; i < backedOff && delay.compareTo(options.maxRetryDelay()) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        delay = min(delay, options.maxRetryDelay());
        LOG.warn("announce failed ({}); retrying in {} s", AllTrackersFailedException.describe(error),
                delay.toMillis() / 1000.0);
        schedule(delay);
    }

    private void deliver(AnnounceResult result) {
        try {
            resultHandler.accept(result);
        } catch (RuntimeException e) {
            LOG.error("announce result handler failed", e);
        }
        List<PeerAddress> peers = result.peers();
        if (!peers.isEmpty() && !stopping) {
            try {
                peersHandler.accept(peers);
            } catch (RuntimeException e) {
                LOG.error("peers handler failed", e);
            }
        }
    }

    private TransferStats readStats() {
        try {
            return Objects.requireNonNull(stats.get(), "stats supplier returned null");
        } catch (RuntimeException e) {
            LOG.error("could not read the transfer counts for an announce", e);
            return null;
        }
    }

    private void schedule(Duration delay) {
        cancelTimer();
        long ms = Math.max(1, delay.toMillis());
        nextAnnounceAtNanos = System.nanoTime() + delay.toNanos();
        timerId = vertx.setTimer(ms, id -> {
            timerId = -1;
            announce();
        });
    }

    private void cancelTimer() {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
            timerId = -1;
        }
    }

    private void onContext(Runnable action) {
        if (Vertx.currentContext() == context) {
            action.run();
        } else {
            context.runOnContext(v -> action.run());
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
