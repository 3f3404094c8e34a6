package org.enjambre.tracker.client;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeoutException;
import org.enjambre.net.PeerAddress;
import org.enjambre.tracker.protocol.AnnounceRequest;
import org.enjambre.tracker.protocol.AnnounceResponse;
import org.enjambre.tracker.protocol.PeerEntry;
import org.enjambre.tracker.protocol.TrackerException;
import org.enjambre.tracker.protocol.TrackerFailureException;
import org.enjambre.tracker.protocol.TrackerResponseException;
import org.enjambre.tracker.protocol.UdpTrackerCodec;
import org.enjambre.tracker.protocol.UdpTrackerRequest;
import org.enjambre.tracker.protocol.UdpTrackerResponse;

/**
 * Announces over UDP (BEP 15): {@code connect} for a connection id (reused for a minute, shared by
 * every torrent through the {@link UdpTrackerSocket}), then {@code announce} with the URL's path
 * and query as BEP 41 URLData. A request unanswered after {@code 15 s · 2^n} is sent again (n from
 * 0), as BEP 15 says, but with a shorter first wait when the client's request timeout is shorter,
 * and at most {@link #MAX_TRIES} times in all; a lost announce forgets the connection id (it may
 * have expired) and connects again. The tracker's host is resolved once and checked against the
 * {@link AnnouncePolicy}, as over HTTP. Answers are parsed strictly ({@link UdpTrackerCodec}).
 */
final class UdpTransport implements TrackerTransport {
    /** BEP 15's first retransmission timeout. */
    static final Duration BEP15_TIMEOUT = Duration.ofSeconds(15);
    /** Tries of one announce (connect and announce counted together), so the wait is bounded: 7 first timeouts at most. */
    static final int MAX_TRIES = 3;

    private final Vertx vertx;
    private final AnnouncePolicy policy;
    private final UdpTrackerSocket socket;
    private final boolean ownsSocket;
    private final long firstTimeoutMillis;

    /**
     * @param requestTimeout the first retransmission timeout when shorter than BEP 15's 15 s
     * @param socket         the node's shared socket, or {@code null} to open one of its own
     */
    UdpTransport(Vertx vertx, Duration requestTimeout, AnnouncePolicy policy, UdpTrackerSocket socket) {
        this.vertx = vertx;
        this.policy = policy;
        this.ownsSocket = socket == null;
        this.socket = socket != null ? socket : UdpTrackerSocket.own(vertx);
        this.firstTimeoutMillis = Math.max(1, Math.min(BEP15_TIMEOUT.toMillis(), requestTimeout.toMillis()));
    }

    @Override
    public Future<AnnounceResponse> announce(String url, AnnounceRequest request) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return Future.failedFuture(new TrackerException("bad announce URL: " + e.getMessage(), e));
        }
        if (uri.getHost() == null || uri.getPort() < 1) {
            return Future.failedFuture(new TrackerException("a udp:// tracker URL needs a host and a port"));
        }
        String urlData = (uri.getRawPath() == null ? "" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        if (urlData.length() > UdpTrackerCodec.MAX_URL_DATA) {
            return Future.failedFuture(new TrackerException("announce URL path longer than " + UdpTrackerCodec.MAX_URL_DATA));
        }
        return TrackerAddresses.resolve(vertx, policy, url, uri)
                .compose(server -> attempt(server, request, urlData, 0));
    }

    private Future<AnnounceResponse> attempt(SocketAddress server, AnnounceRequest request, String urlData, int n) {
        if (n >= MAX_TRIES) {
            return Future.failedFuture(new TimeoutException("no answer from the UDP tracker after " + MAX_TRIES + " tries"));
        }
        long timeout = firstTimeoutMillis << n;
        return connectionId(server, timeout)
                .compose(id -> {
                    int tx = socket.newTransactionId();
                    byte[] datagram = UdpTrackerCodec.encode(new UdpTrackerRequest.Announce(id, tx, request, 0, urlData));
                    return socket.exchange(server, datagram, tx, timeout);
                })
                .transform(ar -> {
                    if (ar.failed()) {
                        if (ar.cause() instanceof TimeoutException) {
                            socket.forgetConnectionId(server);
                            return attempt(server, request, urlData, n + 1);
                        }
                        return Future.failedFuture(ar.cause());
                    }
                    return Future.succeededFuture(announced(server, ar.result()));
                });
    }

    /** The cached connection id, or a fresh one from {@code connect}. */
    private Future<Long> connectionId(SocketAddress server, long timeout) {
        Long cached = socket.connectionId(server);
        if (cached != null) {
            return Future.succeededFuture(cached);
        }
        int tx = socket.newTransactionId();
        long sentAt = System.nanoTime();
        return socket.exchange(server, UdpTrackerCodec.encode(new UdpTrackerRequest.Connect(tx)), tx, timeout)
                .map(answer -> switch (decode(server, answer)) {
                    case UdpTrackerResponse.Connected c -> {
                        socket.rememberConnectionId(server, c.connectionId(), sentAt);
                        yield c.connectionId();
                    }
                    case UdpTrackerResponse.Error e -> throw new TrackerFailureException(e.message());
                    default -> throw new TrackerResponseException("UDP tracker answered connect with another action");
                });
    }

    private AnnounceResponse announced(SocketAddress server, byte[] answer) {
        return switch (decode(server, answer)) {
            case UdpTrackerResponse.Announced a -> new AnnounceResponse(Duration.ofSeconds(a.intervalSeconds()),
                    Optional.empty(), OptionalLong.of(a.seeders()), OptionalLong.of(a.leechers()), Optional.empty(),
                    Optional.empty(), a.peers().stream().map(PeerEntry::of).toList());
            case UdpTrackerResponse.Error e -> {
                // The id may have expired on the tracker's side: the next announce connects afresh.
                socket.forgetConnectionId(server);
                throw new TrackerFailureException(e.message());
            }
            default -> throw new TrackerResponseException("UDP tracker answered announce with another action");
        };
    }

    private static UdpTrackerResponse decode(SocketAddress server, byte[] answer) {
        boolean ipv6 = server.host().contains(":");
        return UdpTrackerCodec.decodeResponse(answer, ipv6 ? PeerAddress.COMPACT_IPV6 : PeerAddress.COMPACT_IPV4);
    }

    @Override
    public Future<Void> close() {
        return ownsSocket ? socket.close() : Future.succeededFuture();
    }
}
