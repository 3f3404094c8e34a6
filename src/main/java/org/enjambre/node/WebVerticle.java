package org.enjambre.node;

import com.hazelcast.core.HazelcastInstance;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.enjambre.metainfo.InfoHash;
import org.enjambre.metainfo.MagnetUri;

/**
 * The node's web port: the dashboard ({@code webroot/} on the classpath) at {@code /}, the REST API
 * under {@code /api}, a Server-Sent Events stream of the swarm at {@code /api/events}, and
 * Prometheus metrics at {@code /metrics}. The swarm view is fed by the clustered event bus
 * ({@link StateVerticle#STATE_ADDRESS}, {@link StateVerticle#TRACKER_ADDRESS}); nothing is
 * accepted from the bus beyond those state messages, each checked against the schema ({@link StateFeed}).
 */
public final class WebVerticle extends VerticleBase {
    private static final Pattern HEX40 = Pattern.compile("[0-9a-fA-F]{40}");
    /** How often an open event stream gets the swarm. */
    static final long EVENTS_PERIOD_MILLIS = 1000;
    /** Event streams open at once; more get 503. */
    static final int MAX_EVENT_STREAMS = 64;

    private final NodeSettings settings;
    private final TorrentLibrary library;
    private final java.util.function.Supplier<JsonObject> nodeState;
    private final PrometheusMeterRegistry metrics;
    private final HazelcastInstance hazelcast;
    private final SwarmView view = new SwarmView();
    private final Set<HttpServerResponse> streams = new HashSet<>();
    private HttpServer server;
    private long timer;

    /**
     * @param nodeState this node's last published state ({@link StateVerticle#latest()})
     * @param hazelcast null when the node is neither clustered nor a tracker */
    public WebVerticle(NodeSettings settings, TorrentLibrary library, java.util.function.Supplier<JsonObject> nodeState,
                       PrometheusMeterRegistry metrics, HazelcastInstance hazelcast) {
        this.settings = settings;
        this.library = library;
        this.nodeState = nodeState;
        this.metrics = metrics;
        this.hazelcast = hazelcast;
    }

    @Override
    public Future<?> start() {
        StateFeed.listen(vertx, view, metrics, settings.name());
        Path uploads = library.dataDir().resolve(".enjambre").resolve("uploads");
        TorrentCreation creation = new TorrentCreation(vertx, library, hazelcast, uploads);
        BodyHandler body = BodyHandler.create(uploads.toString()).setBodyLimit(settings.maxUploadBytes())
                .setDeleteUploadedFilesOnEnd(true);

        Router router = Router.router(vertx);
        router.get("/api/swarm").handler(ctx -> json(ctx, 200, view.snapshot()));
        router.get("/api/node").handler(ctx -> {
            JsonObject latest = nodeState.get();
            if (latest == null) {
                error(ctx, 503, "node state not published yet");
            } else {
                json(ctx, 200, latest);
            }
        });
        router.get("/api/events").handler(this::events);
        router.post("/api/node/torrents").handler(body).handler(this::addTorrent);
        router.delete("/api/node/torrents/:infoHash").handler(this::removeTorrent);
        if (hazelcast != null) {
            // The tracker's own handler: same fields, same registration in the cluster's map.
            new TorrentUploads(hazelcast).mount(vertx, router, settings.maxUploadBytes());
        } else {
            router.post("/api/torrents").handler(body).handler(creation::create);
        }
        router.post("/api/node/seed").handler(body).handler(creation::createAndSeed);
        router.get("/metrics").handler(PrometheusScrapingHandler.create(metrics));
        router.route("/api/*").last().handler(ctx -> error(ctx, 404, "no such API resource: "
                + ctx.request().method() + " " + ctx.request().path()));
        router.route("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
        for (int status : new int[] {400, 404, 405, 413, 415, 500}) {
            router.errorHandler(status, ctx -> {
                String message = status == 413
                        ? "upload larger than the limit of " + settings.maxUploadBytes() + " bytes"
                        : status == 405 ? "method " + ctx.request().method() + " not allowed on " + ctx.request().path()
                        : ctx.failure() != null && ctx.failure().getMessage() != null ? ctx.failure().getMessage()
                        : "HTTP " + status;
                error(ctx, status, message);
            });
        }
        timer = vertx.setPeriodic(EVENTS_PERIOD_MILLIS, id -> pushEvents());
        return vertx.createHttpServer(new HttpServerOptions().setHost(settings.host()).setPort(settings.webPort())
                        .setCompressionSupported(true))
                .requestHandler(router)
                .listen()
                .onSuccess(s -> server = s);
    }

    @Override
    public Future<?> stop() {
        vertx.cancelTimer(timer);
        for (HttpServerResponse r : List.copyOf(streams)) {
            r.end();
        }
        return server == null ? Future.succeededFuture() : server.close();
    }

    public int actualPort() {
        return server.actualPort();
    }

    /** Server-Sent Events: the swarm document as {@code event: swarm} every second. */
    private void events(RoutingContext ctx) {
        if (streams.size() >= MAX_EVENT_STREAMS) {
            error(ctx, 503, "too many open event streams (limit " + MAX_EVENT_STREAMS + ")");
            return;
        }
        HttpServerResponse r = ctx.response();
        r.setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-store")
                .putHeader("X-Accel-Buffering", "no");
        streams.add(r);
        r.closeHandler(v -> streams.remove(r));
        r.write("retry: 2000\n\n");
        send(r, view.snapshot().encode());
    }

    private void pushEvents() {
        if (streams.isEmpty()) {
            return;
        }
        String doc = view.snapshot().encode();
        for (HttpServerResponse r : List.copyOf(streams)) {
            // A browser that stops reading is dropped rather than buffered without bound.
            if (r.writeQueueFull()) {
                streams.remove(r);
                r.reset();
            } else {
                send(r, doc);
            }
        }
    }

    private static void send(HttpServerResponse r, String json) {
        if (!r.closed() && !r.ended()) {
            r.write("event: swarm\ndata: " + json + "\n\n");
        }
    }

    private void addTorrent(RoutingContext ctx) {
        String type = ctx.request().getHeader("Content-Type");
        if (type != null && type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            addMagnet(ctx);
            return;
        }
        FileUpload upload = ctx.fileUploads().stream().filter(f -> f.name().equals("torrent")).findFirst().orElse(null);
        if (upload == null) {
            error(ctx, 400, "send the .torrent as multipart/form-data in the field 'torrent', or JSON {\"magnet\": \"...\"}");
            return;
        }
        vertx.fileSystem().readFile(upload.uploadedFileName())
                .compose(bytes -> library.add(bytes.getBytes()))
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        var e = ar.result();
                        json(ctx, 201, new JsonObject().put("infoHash", e.infoHash().hex())
                                .put("name", e.metainfo().info().name())
                                .put("progress", e.state().progress())
                                .put("complete", e.state().complete()));
                    } else {
                        failure(ctx, ar.cause());
                    }
                });
    }

    /** Magnets parse, but fetching the info dictionary from peers (BEP 9, ut_metadata) is not there yet. */
    private void addMagnet(RoutingContext ctx) {
        JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (RuntimeException e) {
            error(ctx, 400, "body is not JSON: " + e.getMessage());
            return;
        }
        String magnet = body == null ? null : body.getValue("magnet") instanceof String s ? s : null;
        if (magnet == null) {
            error(ctx, 400, "JSON body must be {\"magnet\": \"magnet:?xt=urn:btih:...\"}");
            return;
        }
        try {
            MagnetUri uri = MagnetUri.parse(magnet);
            error(ctx, 501, "magnet links are not supported yet: they need the BEP 9 metadata exchange (ut_metadata) "
                    + "to fetch the info dictionary from peers, which Enjambre does not implement; add the .torrent "
                    + "of " + uri.infoHash().hex() + " instead");
        } catch (RuntimeException e) {
            error(ctx, 400, "not a valid magnet link: " + e.getMessage());
        }
    }

    private void removeTorrent(RoutingContext ctx) {
        String hex = ctx.pathParam("infoHash");
        if (!HEX40.matcher(hex).matches()) {
            error(ctx, 400, "infoHash must be 40 hexadecimal characters");
            return;
        }
        InfoHash infoHash = InfoHash.fromHex(hex.toLowerCase(Locale.ROOT));
        library.remove(infoHash).onComplete(ar -> {
            if (ar.succeeded()) {
                json(ctx, 200, new JsonObject().put("removed", infoHash.hex()));
            } else {
                failure(ctx, ar.cause());
            }
        });
    }

    private static void failure(RoutingContext ctx, Throwable e) {
        if (e instanceof TorrentLibrary.LibraryException le) {
            error(ctx, le.status(), le.getMessage());
        } else {
            error(ctx, 500, String.valueOf(e.getMessage()));
        }
    }

    static void json(RoutingContext ctx, int status, JsonObject body) {
        HttpServerResponse r = ctx.response();
        if (!r.ended() && !r.closed()) {
            r.setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
                    .putHeader("Cache-Control", "no-store").end(body.encode());
        }
    }

    static void error(RoutingContext ctx, int status, String message) {
        json(ctx, status, new JsonObject().put("error", message));
    }
}
