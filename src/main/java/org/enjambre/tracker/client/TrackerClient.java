package org.enjambre.tracker.client;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.TrustOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Announces one torrent to its HTTP(S) trackers (BEP 3) over the BEP 12 tiers, on Vert.x's HTTP
 * client. An announce tries the URLs of the first tier in order; when one fails (connection
 * refused, timeout, HTTP status other than 200, malformed answer, {@code failure reason}) it tries
 * the next URL, then the next tier. The URL that answers moves to the front of its tier. Each
 * request is bounded by {@link Options#requestTimeout()} (connect, send and whole body).
 *
 * <pre>{@code
 * TrackerClient client = new TrackerClient(vertx, TrackerTiers.of(announce, announceList),
 *         infoHash, peerId, listenPort);
 * client.announce(AnnounceEvent.STARTED, 0, 0, totalLength)
 *       .onSuccess(result -> connectTo(result.peers()));
 * }</pre>
 *
 * Most engines want {@link Announcer}, which drives the whole lifecycle on top of this.
 * The client keeps the {@code tracker id} each tracker gave and sends it back to that tracker,
 * and one random {@code key} for the session. {@link #close()} releases the HTTP client.
 */
public final class TrackerClient {
    private static final Logger LOG = LoggerFactory.getLogger(TrackerClient.class);

    /** Default bound on one HTTP announce: connect, request and the whole answer. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(15);
    /** Default number of peers asked for ({@code numwant}). */
    public static final int DEFAULT_NUMWANT = 50;
    /** Redirects followed for one announce (some trackers move). */
    public static final int MAX_REDIRECTS = 5;
    /** Sent as {@code User-Agent}; trackers log it. */
    public static final String USER_AGENT = "Enjambre/0.1";

    /**
     * Tunables of a client.
     *
     * @param requestTimeout bound on one request to one tracker URL
     * @param numwant        peers asked for on regular announces ({@code stopped} asks for none)
     * @param trustOptions   certificates trusted for {@code https://} trackers, or {@code null} for the
     *                       JDK's default trust store; host names are always verified
     */
    public record Options(Duration requestTimeout, int numwant, TrustOptions trustOptions) {
        public Options {
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            if (requestTimeout.isNegative() || requestTimeout.isZero()) {
                throw new IllegalArgumentException("request timeout must be positive: " + requestTimeout);
            }
            if (numwant < 0) {
                throw new IllegalArgumentException("numwant must not be negative: " + numwant);
            }
        }

        public static Options defaults() {
            return new Options(DEFAULT_REQUEST_TIMEOUT, DEFAULT_NUMWANT, null);
        }

        public Options withRequestTimeout(Duration timeout) {
            return new Options(timeout, numwant, trustOptions);
        }

        public Options withNumwant(int wanted) {
            return new Options(requestTimeout, wanted, trustOptions);
        }

        public Options withTrustOptions(TrustOptions trust) {
            return new Options(requestTimeout, numwant, trust);
        }
    }

    private final Vertx vertx;
    private final TrackerTiers tiers;
    private final byte[] infoHash;
    private final byte[] peerId;
    private final int port;
    private final Options options;
    private final String key;
    private final HttpClientAgent http;
    /** Where requests start when announce() is called from outside Vert.x (a test, the CLI's main thread). */
    private final Context context;
    private final Map<String, String> trackerIds = new ConcurrentHashMap<>();

    /** A client with {@link Options#defaults()}. */
    public TrackerClient(Vertx vertx, TrackerTiers tiers, byte[] infoHash, byte[] peerId, int port) {
        this(vertx, tiers, infoHash, peerId, port, Options.defaults());
    }

    /**
     * @param tiers    the trackers (see {@link TrackerTiers#of})
     * @param infoHash the torrent's 20-byte info-hash
     * @param peerId   our 20-byte peer id
     * @param port     the TCP port we accept peers on
     */
    public TrackerClient(Vertx vertx, TrackerTiers tiers, byte[] infoHash, byte[] peerId, int port, Options options) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.tiers = Objects.requireNonNull(tiers, "tiers");
        this.options = Objects.requireNonNull(options, "options");
        // Validates lengths and port once, here, rather than on every announce.
        new AnnounceRequest(infoHash, peerId, port, new TransferStats(0, 0, 0), AnnounceEvent.NONE, 0, null, null);
        this.infoHash = infoHash.clone();
        this.peerId = peerId.clone();
        this.port = port;
        byte[] keyBytes = new byte[4];
        new SecureRandom().nextBytes(keyBytes);
        this.key = HexFormat.of().formatHex(keyBytes);
        long timeoutMs = options.requestTimeout().toMillis();
        this.context = vertx.getOrCreateContext();
        HttpClientOptions httpOptions = new HttpClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs))
                .setMaxRedirects(MAX_REDIRECTS)
                .setDecompressionSupported(true)
                .setVerifyHost(true);
        if (options.trustOptions() != null) {
            httpOptions.setTrustOptions(options.trustOptions());
        }
        this.http = vertx.createHttpClient(httpOptions);
    }

    /** The trackers, in the order the next announce will try them. */
    public TrackerTiers tiers() {
        return tiers;
    }

    public Options options() {
        return options;
    }

    /** Announces with the given counts; see {@link #announce(AnnounceEvent, TransferStats)}. */
    public Future<AnnounceResult> announce(AnnounceEvent event, long uploaded, long downloaded, long left) {
        TransferStats stats;
        try {
            stats = new TransferStats(uploaded, downloaded, left);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        return announce(event, stats);
    }

    /**
     * One announce over the tiers, stopping at the first tracker that answers well.
     * Fails with {@link AllTrackersFailedException} (listing each URL and why) when none does,
     * including when there is no usable tracker at all.
     */
    public Future<AnnounceResult> announce(AnnounceEvent event, TransferStats stats) {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(stats, "stats");
        List<String> order = tiers.urls();
        Map<String, Throwable> failures = new LinkedHashMap<>();
        return tryFrom(order, 0, event, stats, failures);
    }

    private Future<AnnounceResult> tryFrom(List<String> order, int index, AnnounceEvent event, TransferStats stats,
                                           Map<String, Throwable> failures) {
        if (index >= order.size()) {
            return Future.failedFuture(new AllTrackersFailedException(failures));
        }
        String url = order.get(index);
        return announceTo(url, event, stats).recover(error -> {
            LOG.info("tracker {} failed ({}){}", TrackerTiers.redact(url), AllTrackersFailedException.describe(error),
                    index + 1 < order.size() ? ", trying the next one" : "");
            failures.put(url, error);
            return tryFrom(order, index + 1, event, stats, failures);
        });
    }

    /** One announce to one URL, no failover. */
    Future<AnnounceResult> announceTo(String url, AnnounceEvent event, TransferStats stats) {
        int numwant = event == AnnounceEvent.STOPPED ? 0 : options.numwant();
        AnnounceRequest request = new AnnounceRequest(infoHash, peerId, port, stats, event, numwant, key,
                trackerIds.get(url));
        String fullUrl = AnnounceCodec.announceUrl(url, request);
        return fetch(fullUrl).map(body -> {
            AnnounceResponse response = AnnounceCodec.parseResponse(body);
            response.trackerId().ifPresent(id -> trackerIds.put(url, id));
            response.warning().ifPresent(w -> LOG.warn("tracker {} warns: {}", TrackerTiers.redact(url), w));
            tiers.promote(url);
            return new AnnounceResult(url, event, response);
        });
    }

    /** GETs {@code url} and returns the body of a 200 answer, all within the request timeout. */
    private Future<byte[]> fetch(String url) {
        Promise<byte[]> promise = Promise.promise();
        AtomicReference<HttpClientRequest> current = new AtomicReference<>();
        long timeoutMs = options.requestTimeout().toMillis();
        // One deadline for the whole exchange: an idle timeout alone would let a tracker that
        // drips one byte a second hold us forever.
        long timer = vertx.setTimer(timeoutMs, id -> {
            if (promise.tryFail(new TimeoutException("no complete answer within " + timeoutMs + " ms"))) {
                HttpClientRequest request = current.get();
                if (request != null) {
                    request.reset();
                }
            }
        });
        RequestOptions requestOptions;
        try {
            requestOptions = new RequestOptions()
                    .setMethod(HttpMethod.GET)
                    .setAbsoluteURI(url)
                    .setFollowRedirects(true)
                    .setConnectTimeout(timeoutMs)
                    .setIdleTimeout(timeoutMs)
                    .putHeader("User-Agent", USER_AGENT);
        } catch (RuntimeException e) {
            vertx.cancelTimer(timer);
            return Future.failedFuture(new TrackerException("bad announce URL: " + e.getMessage(), e));
        }
        // The response's handlers must be set in the same event-loop turn that delivers the
        // response, or a small answer has already ended by then: so start the request on a
        // Vert.x context and attach to send()'s own future, never to a future further down.
        Context here = Vertx.currentContext();
        Context ctx = here != null ? here : context;
        ctx.runOnContext(v -> http.request(requestOptions).onComplete(requested -> {
            if (requested.failed()) {
                promise.tryFail(requested.cause());
                return;
            }
            HttpClientRequest request = requested.result();
            current.set(request);
            if (promise.future().isComplete()) {
                request.reset();
                return;
            }
            request.send().onComplete(sent -> {
                if (sent.failed()) {
                    promise.tryFail(sent.cause());
                    return;
                }
                receive(request, sent.result(), promise);
            });
        }));
        return promise.future().onComplete(ar -> vertx.cancelTimer(timer));
    }

    /** Reads a 200 answer's body, at most {@link AnnounceCodec#MAX_RESPONSE_BYTES}; anything else fails. */
    private static void receive(HttpClientRequest request, HttpClientResponse response, Promise<byte[]> promise) {
        // A reset below surfaces as an exception on the response: it is expected, not worth a log.
        response.exceptionHandler(promise::tryFail);
        if (response.statusCode() != 200) {
            promise.tryFail(new TrackerResponseException("HTTP " + response.statusCode() + " " + response.statusMessage()));
            request.reset();
            return;
        }
        String length = response.getHeader("Content-Length");
        if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > AnnounceCodec.MAX_RESPONSE_BYTES) {
            promise.tryFail(new TrackerResponseException("tracker answer of " + length
                    + " bytes is larger than the limit of " + AnnounceCodec.MAX_RESPONSE_BYTES));
            request.reset();
            return;
        }
        Buffer body = Buffer.buffer();
        response.handler(chunk -> {
            if (promise.future().isComplete()) {
                return;
            }
            if (body.length() + chunk.length() > AnnounceCodec.MAX_RESPONSE_BYTES) {
                promise.tryFail(new TrackerResponseException("tracker answer is larger than the limit of "
                        + AnnounceCodec.MAX_RESPONSE_BYTES + " bytes"));
                request.reset();
                return;
            }
            body.appendBuffer(chunk);
        });
        response.endHandler(v -> promise.tryComplete(body.getBytes()));
    }

    /** Closes the HTTP client; announces after this fail. */
    public Future<Void> close() {
        return http.close();
    }
}
