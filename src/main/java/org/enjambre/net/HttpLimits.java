package org.enjambre.net;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The limits every listening HTTP port of a node applies, in one place so that each verticle adds
 * two lines: {@link #options} for what Vert.x enforces itself (idle timeout, request line and
 * header sizes) and {@link #guard} for what it does not (a header timeout: a client that sends
 * half a request is closed; a cap on sockets per address and on sockets still waiting for their
 * first request's headers). The sockets of one port are counted together, also when several
 * verticle instances share the port.
 *
 * <p>The header timeout covers a connection's first request; each later request on a keep-alive
 * connection must be complete within the idle timeout of the previous answer (a client that
 * trickles a byte now and then is closed all the same).
 *
 * @param name           the port's name in the log ("tracker HTTP port")
 * @param headerTimeout  a new connection whose first request's headers are not complete by then is closed
 * @param idleTimeout    a connection that neither reads nor writes for this long is closed, and one whose
 *                       next request's headers are not complete this long after the previous answer
 * @param maxPerAddress  connections one IP address may hold on the port
 * @param maxHalfOpen    connections still waiting for their first request's headers, all addresses together
 */
public record HttpLimits(String name, Duration headerTimeout, Duration idleTimeout, int maxPerAddress, int maxHalfOpen) {
    /** Whole headers arrive in one round trip or two: 5 s is many. */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(5);
    /** As opentracker: an idle client is dropped after 30 s. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    /**
     * The tracker faces the internet: one address (a NAT of many clients, or a load generator on
     * the same machine: bench/tracker.sh opens 33) may hold this many connections.
     */
    public static final int TRACKER_MAX_PER_ADDRESS = 128;
    /** The web port faces its owner: a browser opens six connections, a script a few more. */
    public static final int WEB_MAX_PER_ADDRESS = 32;
    /** Its owner never has many requests half-sent at once. */
    static final int WEB_MAX_HALF_OPEN = 64;
    /** Tracker connections waiting for headers take at most 1/8 of the file descriptors (between 64 and 4096). */
    static final int HALF_OPEN_SHARE = 8;
    private static final String SHARED_SLOTS = "enjambre.http.slots";

    public HttpLimits {
        if (headerTimeout.isNegative() || headerTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("HTTP timeouts must be positive: " + headerTimeout + ", " + idleTimeout);
        }
        if (maxPerAddress < 1 || maxHalfOpen < 1) {
            throw new IllegalArgumentException("HTTP connection caps must be positive");
        }
    }

    /** The tracker's HTTP port, sized for this process. */
    public static HttpLimits tracker() {
        return tracker(FileDescriptors.softLimit());
    }

    /** The tracker's HTTP port in a process that may hold {@code fileDescriptors}. */
    public static HttpLimits tracker(long fileDescriptors) {
        return new HttpLimits("tracker HTTP port", DEFAULT_HEADER_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
                TRACKER_MAX_PER_ADDRESS, halfOpenFor(fileDescriptors));
    }

    /** The node's web port (REST API, dashboard, live stream), sized for this process. */
    public static HttpLimits web() {
        return web(FileDescriptors.softLimit());
    }

    public static HttpLimits web(long fileDescriptors) {
        return new HttpLimits("web port", DEFAULT_HEADER_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
                WEB_MAX_PER_ADDRESS, (int) Math.clamp(fileDescriptors / 16, 16, WEB_MAX_HALF_OPEN));
    }

    /**
     * The tracker's share: it serves a new connection per announce, so many wait for headers at
     * once under load. With the peer port's 1/16 and the web port's few, the half-open sockets of a
     * node stay under a fifth of its file descriptors.
     */
    static int halfOpenFor(long fileDescriptors) {
        return (int) Math.clamp(fileDescriptors / HALF_OPEN_SHARE, 64, 4096);
    }

    /**
     * Sets on {@code options} the limits Vert.x enforces itself (the idle timeout), and turns off
     * HTTP/2 over cleartext: with it on, Vert.x sniffs the first bytes for the h2c preface before it
     * makes the connection, so a socket that sends nothing (or a few bytes) never reaches
     * {@link #guard}'s connection handler and escapes the caps and the header timeout.
     */
    public HttpServerOptions options(HttpServerOptions options) {
        return options.setIdleTimeout((int) idleTimeout.toMillis()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setHttp2ClearTextEnabled(false);
    }

    /**
     * Installs the request deadlines and the connection caps on {@code server} and routes its
     * requests to {@code handler}; call instead of {@code server.requestHandler(handler)}. A new
     * connection must send its first request's headers within the header timeout; each later
     * request's headers must come within the idle timeout of the previous answer, however the
     * client trickles them (Vert.x's own idle timeout is reset by every byte). One sweep per server
     * instance enforces both: no timer per connection.
     *
     * @param port the port the server will listen on (0: any; its sockets are then counted alone)
     */
    public HttpServer guard(Vertx vertx, HttpServer server, int port, Handler<HttpServerRequest> handler) {
        ConnectionSlots slots = slots(vertx, port);
        long headerNanos = headerTimeout.toNanos();
        long idleNanos = idleTimeout.toNanos();
        ConnectionDeadlines deadlines = new ConnectionDeadlines(vertx, name,
                ConnectionDeadlines.sweepMillisFor(Math.min(headerNanos, idleNanos)));
        server.connectionHandler(connection -> {
            switch (slots.admit(connection.remoteAddress() == null ? "?" : connection.remoteAddress().hostAddress())) {
                case ConnectionSlots.Refused refused -> connection.close();
                case ConnectionSlots.Admitted admitted ->
                        connection.closeHandler(deadlines.open(connection, admitted.slot(), headerNanos));
            }
        });
        return server.requestHandler(request -> {
            ConnectionDeadlines.Watch watch = deadlines.of(request.connection());
            if (watch != null) {
                watch.requestArrived();
                request.response().endHandler(v -> watch.answered(idleNanos));
            }
            handler.handle(request);
        });
    }

    /** How often the deadlines of this port's connections are swept: a fifth of the shorter timeout, within 20 ms..1 s. */
    public long sweepMillis() {
        return ConnectionDeadlines.sweepMillisFor(Math.min(headerTimeout.toNanos(), idleTimeout.toNanos()));
    }

    /** The slots of {@code port}: one object for every server of this Vert.x instance on that port. */
    public ConnectionSlots slots(Vertx vertx, int port) {
        ConnectionSlots.Limits caps = new ConnectionSlots.Limits(maxHalfOpen, maxPerAddress);
        if (port == 0) {
            return new ConnectionSlots(name, caps);
        }
        return vertx.sharedData().<String, ConnectionSlots>getLocalMap(SHARED_SLOTS)
                .computeIfAbsent(name + ":" + port, k -> new ConnectionSlots(name, caps));
    }

}
