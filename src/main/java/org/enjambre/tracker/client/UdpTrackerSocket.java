package org.enjambre.tracker.client;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.SocketAddress;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.enjambre.net.UdpEndpoint;
import org.enjambre.tracker.protocol.IpAddresses;
import org.enjambre.tracker.protocol.UdpTrackerCodec;

/**
 * Where the UDP tracker client's datagrams go out and come back (BEP 15): the node's shared
 * {@link UdpEndpoint} (the DHT's socket, whose non-KRPC datagrams are routed here), or sockets of
 * its own opened on first use (one for IPv4 trackers, one for IPv6). Answers are matched to their
 * request by transaction id and by the address they came from: anything else is dropped. It also
 * holds the connection ids trackers gave, one per tracker address, for every torrent of the node
 * (BEP 15 lets a client reuse one for a minute). Thread-safe.
 */
public final class UdpTrackerSocket {
    /** BEP 15: a client may use a connection id for one minute after it received it. */
    static final long CONNECTION_ID_NANOS = 60_000_000_000L;

    private record Pending(Promise<byte[]> promise, byte[] ip, int port) {
    }

    private record CachedId(long connectionId, long receivedAtNanos) {
    }

    private final Vertx vertx;
    private final UdpEndpoint shared;
    private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
    private final Map<String, CachedId> connectionIds = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private Future<UdpEndpoint> own4;
    private Future<UdpEndpoint> own6;
    private volatile boolean closed;

    private UdpTrackerSocket(Vertx vertx, UdpEndpoint shared) {
        this.vertx = vertx;
        this.shared = shared;
        if (shared != null) {
            shared.onTracker(this::received);
        }
    }

    /** Over the node's shared socket: takes the endpoint's tracker side. */
    public static UdpTrackerSocket over(Vertx vertx, UdpEndpoint endpoint) {
        return new UdpTrackerSocket(vertx, endpoint);
    }

    /** With sockets of its own, opened on first use and closed by {@link #close()}. */
    public static UdpTrackerSocket own(Vertx vertx) {
        return new UdpTrackerSocket(vertx, null);
    }

    /**
     * Sends {@code datagram} to {@code server} (an IP literal and port) and answers the first
     * datagram from there that carries {@code transactionId} (bytes 4..7 of every BEP 15 answer),
     * or fails with a {@link TimeoutException} after {@code timeoutMillis}.
     */
    Future<byte[]> exchange(SocketAddress server, byte[] datagram, int transactionId, long timeoutMillis) {
        if (closed) {
            return Future.failedFuture(new IllegalStateException("UDP tracker socket closed"));
        }
        byte[] ip = IpAddresses.parse(server.host());
        if (ip == null) {
            return Future.failedFuture(new IllegalArgumentException("not an IP address: " + server.host()));
        }
        Promise<byte[]> promise = Promise.promise();
        if (pending.putIfAbsent(transactionId, new Pending(promise, ip, server.port())) != null) {
            return Future.failedFuture(new IllegalStateException("transaction id in use"));
        }
        // The wait starts once the datagram is out: opening the socket on first use must not eat it.
        long[] timer = {-1};
        endpoint(ip.length == 16)
                .compose(endpoint -> endpoint.send(Buffer.buffer(datagram), server))
                .onComplete(sent -> {
                    if (sent.failed()) {
                        if (pending.remove(transactionId) != null) {
                            promise.tryFail(sent.cause());
                        }
                    } else if (!promise.future().isComplete()) {
                        timer[0] = vertx.setTimer(timeoutMillis, t -> {
                            if (pending.remove(transactionId) != null) {
                                promise.tryFail(new TimeoutException("no answer within " + timeoutMillis + " ms"));
                            }
                        });
                    }
                });
        return promise.future().onComplete(ar -> {
            if (timer[0] >= 0) {
                vertx.cancelTimer(timer[0]);
            }
        });
    }

    /** A transaction id no request in flight uses. */
    int newTransactionId() {
        int id;
        do {
            id = random.nextInt();
        } while (pending.containsKey(id));
        return id;
    }

    /** The connection id {@code server} gave less than a minute ago, if any. */
    Long connectionId(SocketAddress server) {
        CachedId cached = connectionIds.get(key(server));
        if (cached == null || System.nanoTime() - cached.receivedAtNanos >= CONNECTION_ID_NANOS) {
            return null;
        }
        return cached.connectionId;
    }

    /** Keeps a connection id for {@code server}; {@code receivedAtNanos} is when the connect was sent (the safe side). */
    void rememberConnectionId(SocketAddress server, long connectionId, long receivedAtNanos) {
        connectionIds.put(key(server), new CachedId(connectionId, receivedAtNanos));
    }

    /** Forgets the connection id of {@code server} (it timed out or was refused: it may have expired). */
    void forgetConnectionId(SocketAddress server) {
        connectionIds.remove(key(server));
    }

    private static String key(SocketAddress server) {
        return server.host() + "|" + server.port();
    }

    private synchronized Future<UdpEndpoint> endpoint(boolean ipv6) {
        if (shared != null) {
            return Future.succeededFuture(shared);
        }
        if (ipv6) {
            if (own6 == null) {
                own6 = bindOwn("::");
            }
            return own6;
        }
        if (own4 == null) {
            own4 = bindOwn("0.0.0.0");
        }
        return own4;
    }

    private Future<UdpEndpoint> bindOwn(String host) {
        return UdpEndpoint.bind(vertx, host, 0).onSuccess(endpoint -> endpoint.onTracker(this::received));
    }

    private void received(Buffer datagram, SocketAddress sender) {
        if (datagram.length() < UdpTrackerCodec.ANSWER_HEADER_LENGTH) {
            return;
        }
        int transactionId = datagram.getInt(4);
        Pending p = pending.get(transactionId);
        if (p == null || p.port != sender.port() || !Arrays.equals(p.ip, IpAddresses.parse(sender.hostAddress()))) {
            return;
        }
        if (pending.remove(transactionId, p)) {
            p.promise.tryComplete(datagram.getBytes());
        }
    }

    /** Closes the sockets it opened (a shared endpoint is its owner's to close); requests in flight fail. */
    public Future<Void> close() {
        closed = true;
        pending.values().forEach(p -> p.promise.tryFail(new IllegalStateException("UDP tracker socket closed")));
        pending.clear();
        Future<UdpEndpoint> four;
        Future<UdpEndpoint> six;
        synchronized (this) {
            four = own4;
            six = own6;
        }
        return Future.join(closeOwn(four), closeOwn(six)).mapEmpty();
    }

    private static Future<Void> closeOwn(Future<UdpEndpoint> endpoint) {
        return endpoint == null ? Future.succeededFuture()
                : endpoint.transform(ar -> ar.succeeded() ? ar.result().close() : Future.succeededFuture());
    }
}
