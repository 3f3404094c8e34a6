package org.enjambre.tracker.client;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.TrustOptions;
import org.enjambre.tracker.protocol.AnnounceEvent;
import org.enjambre.tracker.protocol.AnnounceRequest;
import org.enjambre.tracker.protocol.TrackerException;
import org.enjambre.tracker.protocol.TransferStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Announces one torrent to its trackers over the BEP 12 tiers, each URL through the
 * {@link TrackerTransport} of its scheme (HTTP(S), or BEP 15 for {@code udp://}). An announce tries the URLs of the first tier in order; when one fails (connection
 * refused, timeout, HTTP status other than 200, malformed answer, {@code failure reason}) it tries
 * the next URL, then the next tier. The URL that answers moves to the front of its tier. Each
 * request is bounded by {@link Options#requestTimeout()} (connect, send and whole body). A tracker
 * whose address the {@link AnnouncePolicy} forbids (loopback, private ranges, unless allowed) is
 * skipped like a failed one without being contacted, and logged once.
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
 * and one random {@code key} for the session. {@link #close()} releases the HTTP client and the UDP socket it opened.
 */
public final class TrackerClient {
    private static final Logger LOG = LoggerFactory.getLogger(TrackerClient.class);

    /** Default bound on one HTTP announce: connect, request and the whole answer. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(15);
    /** Default number of peers asked for ({@code numwant}). */
    public static final int DEFAULT_NUMWANT = 50;
    /** Redirects followed for one announce (some trackers move). */
    public static final int MAX_REDIRECTS = HttpTransport.MAX_REDIRECTS;
    /** Sent as {@code User-Agent}; trackers log it. */
    public static final String USER_AGENT = HttpTransport.USER_AGENT;

    /**
     * Tunables of a client.
     *
     * @param requestTimeout bound on one request to one tracker URL
     * @param numwant        peers asked for on regular announces ({@code stopped} asks for none)
     * @param trustOptions   certificates trusted for {@code https://} trackers, or {@code null} for the
     *                       JDK's default trust store; host names are always verified
     * @param policy         which addresses announces may reach (public ones only, by default)
     * @param udpSocket      the node's shared socket for {@code udp://} trackers, or {@code null} for
     *                       one of the client's own, opened when first needed
     */
    public record Options(Duration requestTimeout, int numwant, TrustOptions trustOptions, AnnouncePolicy policy,
                          UdpTrackerSocket udpSocket) {
        public Options(Duration requestTimeout, int numwant, TrustOptions trustOptions) {
            this(requestTimeout, numwant, trustOptions, AnnouncePolicy.publicOnly());
        }

        public Options(Duration requestTimeout, int numwant, TrustOptions trustOptions, AnnouncePolicy policy) {
            this(requestTimeout, numwant, trustOptions, policy, null);
        }

        public Options {
            Objects.requireNonNull(policy, "policy");
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
            return new Options(timeout, numwant, trustOptions, policy, udpSocket);
        }

        public Options withNumwant(int wanted) {
            return new Options(requestTimeout, wanted, trustOptions, policy, udpSocket);
        }

        public Options withTrustOptions(TrustOptions trust) {
            return new Options(requestTimeout, numwant, trust, policy, udpSocket);
        }

        public Options withPolicy(AnnouncePolicy announcePolicy) {
            return new Options(requestTimeout, numwant, trustOptions, announcePolicy, udpSocket);
        }

        /** The same options, announcing to {@code udp://} trackers over the node's shared socket. */
        public Options withUdpSocket(UdpTrackerSocket socket) {
            return new Options(requestTimeout, numwant, trustOptions, policy, socket);
        }
    }

    private final Vertx vertx;
    private final TrackerTiers tiers;
    private final byte[] infoHash;
    private final byte[] peerId;
    private final int port;
    private final Options options;
    private final String key;
    private final TrackerTransport http;
    private final TrackerTransport udp;
    private final Map<String, String> trackerIds = new ConcurrentHashMap<>();
    /** Trackers refused by the policy and already logged: a refusal is logged once, not at every announce. */
    private final Set<String> refusalsLogged = ConcurrentHashMap.newKeySet();

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
        this.http = new HttpTransport(vertx, options.requestTimeout(), options.trustOptions(), options.policy());
        this.udp = new UdpTransport(vertx, options.requestTimeout(), options.policy(), options.udpSocket());
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
            if (error instanceof TrackerRefusedException) {
                if (refusalsLogged.add(url)) {
                    LOG.warn("tracker {} refused, not contacted: {}", TrackerTiers.redact(url), error.getMessage());
                }
                failures.put(url, error);
                return tryFrom(order, index + 1, event, stats, failures);
            }
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
        TrackerTransport transport = transportFor(url);
        if (transport == null) {
            return Future.failedFuture(new TrackerException("no transport for " + TrackerTiers.redact(url)));
        }
        return transport.announce(url, request).map(response -> {
            response.trackerId().ifPresent(id -> trackerIds.put(url, id));
            response.warning().ifPresent(w -> LOG.warn("tracker {} warns: {}", TrackerTiers.redact(url), w));
            tiers.promote(url);
            return new AnnounceResult(url, event, response);
        });
    }

    /**
     * The transport for a URL's scheme: HTTP(S), or BEP 15 for {@code udp://}.
     * {@link TrackerTiers} already left out every URL no transport serves.
     */
    private TrackerTransport transportFor(String url) {
        String scheme = url.substring(0, Math.max(0, url.indexOf(':'))).toLowerCase(java.util.Locale.ROOT);
        return switch (scheme) {
            case "http", "https" -> http;
            case "udp" -> udp;
            default -> null;
        };
    }

    /** Closes the transports; announces after this fail. */
    public Future<Void> close() {
        return Future.join(http.close(), udp.close()).mapEmpty();
    }
}
