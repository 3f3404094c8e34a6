package org.enjambre.tracker.server;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.enjambre.tracker.protocol.AnnounceParser;
import org.enjambre.tracker.protocol.IpAddresses;
import org.enjambre.tracker.protocol.QueryString;
import org.enjambre.tracker.protocol.ReceivedAnnounce;
import org.enjambre.tracker.protocol.ScrapeParser;
import org.enjambre.tracker.protocol.TrackerRefusal;
import org.enjambre.tracker.protocol.TrackerResponses;

/**
 * The HTTP front end of the {@link AnnounceService}: {@code GET /announce} (BEP 3, 23, 7) and
 * {@code GET /scrape} (BEP 48). It decodes the query, hands it to the service and writes the
 * bencoded answer; a refusal is a {@code failure reason} with HTTP 200, as BEP 3 says. Whoever
 * owns the HTTP server routes those two paths here.
 */
public final class HttpTracker {
    /** Content type of every bencoded answer. */
    public static final String BENCODE_TYPE = "text/plain";

    private final AnnounceService service;
    private final HandOvers handOvers;

    /** @param handOvers the clients behind connections handed over by the front end (their real addresses) */
    public HttpTracker(AnnounceService service, HandOvers handOvers) {
        this.service = service;
        this.handOvers = handOvers;
    }

    /**
     * Server options a tracker needs: a scrape of {@link ScrapeParser#MAX_HASHES} hashes is a
     * ~7 KB request line (the query limit itself is enforced, with a bencoded refusal, by
     * {@link QueryString}); answers are small and not worth compressing. Strict thread mode:
     * every answer is written on the connection's event loop (the registry completes on the
     * caller's context), so Vert.x may skip the concurrent outbound queue it otherwise builds for
     * each connection (a 4 KB array per connection, that is per announce: measured as three
     * quarters of the tracker's allocation under a new connection per announce).
     */
    public static HttpServerOptions serverOptions(String host, int port) {
        return new HttpServerOptions().setHost(host).setPort(port)
                .setTcpNoDelay(true).setCompressionSupported(false).setStrictThreadMode(true)
                // No WebSockets here: without these, every connection's pipeline gets a WebSocket
                // extension handler that each request passes through.
                .setPerMessageWebSocketCompressionSupported(false).setPerFrameWebSocketCompressionSupported(false)
                .setMaxInitialLineLength(QueryString.MAX_QUERY_LENGTH + 1024);
    }

    /** {@code GET /announce}. */
    public void announce(HttpServerRequest http) {
        announce(http.query(), handOvers.clientOf(http.remoteAddress())).onComplete(ar -> bencoded(http.response(), ar.result()));
    }

    /**
     * The bencoded answer to an announce whose raw query is {@code query} (null: none) from
     * {@code remote} (the connection's address, 4 or 16 bytes; null if unreadable). Never fails:
     * a refusal is a {@code failure reason}. Call on an event-loop context: the answer completes there.
     */
    public Future<byte[]> announce(String query, byte[] remote) {
        ReceivedAnnounce announce;
        try {
            if (remote == null) {
                throw new TrackerRefusal("cannot read the connection's address");
            }
            announce = AnnounceParser.parse(query, IpAddresses.normalize(remote));
        } catch (TrackerRefusal refusal) {
            return Future.succeededFuture(TrackerResponses.failure(refusal.reason()));
        }
        AnnounceService.Policy policy = service.policy();
        return service.announce(announce).transform(ar -> Future.succeededFuture(ar.succeeded()
                ? TrackerResponses.announce(ar.result(), policy.intervalSeconds(), policy.minIntervalSeconds(),
                        announce.compact(), announce.noPeerId())
                : TrackerResponses.failure(((TrackerRefusal) ar.cause()).reason())));
    }

    /** {@code GET /scrape}. */
    public void scrape(HttpServerRequest http) {
        scrape(http.query()).onComplete(ar -> bencoded(http.response(), ar.result()));
    }

    /** The bencoded answer to a scrape whose raw query is {@code query}; never fails, as {@link #announce(String, byte[])}. */
    public Future<byte[]> scrape(String query) {
        java.util.List<byte[]> hashes;
        try {
            hashes = ScrapeParser.parse(query);
        } catch (TrackerRefusal refusal) {
            return Future.succeededFuture(TrackerResponses.failure(refusal.reason()));
        }
        return service.scrape(hashes).transform(ar -> Future.succeededFuture(ar.succeeded()
                ? TrackerResponses.scrape(ar.result())
                : TrackerResponses.failure(((TrackerRefusal) ar.cause()).reason())));
    }

    private static void bencoded(HttpServerResponse response, byte[] body) {
        if (response.closed()) {
            return;
        }
        response.putHeader("Content-Type", BENCODE_TYPE).end(Buffer.buffer(body));
    }
}
