package org.enjambre.web;

import com.hazelcast.core.HazelcastInstance;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;
import org.enjambre.net.HttpLimits;
import org.enjambre.tracker.hazelcast.TorrentCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's web port: the dashboard ({@code webroot/} on the classpath) at {@code /}, the REST API
 * under {@code /api}, the live swarm as Server-Sent Events at {@code /api/events}, and Prometheus
 * metrics at {@code /metrics}, every request through the {@link AccessGuard} first. The swarm view
 * is fed by the event bus through {@link StateFeed}, each message checked against the schema; nothing else is taken from the bus.
 */
public final class WebVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(WebVerticle.class);
    /** How often an open event stream gets the swarm. */
    static final long EVENTS_PERIOD_MILLIS = 1000;

    /**
     * What the web port serves.
     *
     * @param access         who may drive it
     * @param port           0: any free port
     * @param maxUploadBytes largest upload to create or seed a torrent (413 past it)
     * @param scratchDir     where uploads are streamed before use; outside the data folder
     */
    public record Settings(WebAccess access, int port, long maxUploadBytes, Path scratchDir) {
    }

    private final Settings settings;
    private final TorrentHost host;
    private final Supplier<JsonObject> nodeState;
    private final PrometheusMeterRegistry metrics;
    private final HazelcastInstance hazelcast;
    private final SwarmView view = new SwarmView();
    private final EventStream events = new EventStream(() -> view.snapshot().encode());
    private HttpServer server;
    private long timer;

    /**
     * @param nodeState this node's last published state
     * @param hazelcast null when the node is neither clustered nor a tracker
     */
    public WebVerticle(Settings settings, TorrentHost host, Supplier<JsonObject> nodeState,
                       PrometheusMeterRegistry metrics, HazelcastInstance hazelcast) {
        this.settings = settings;
        this.host = host;
        this.nodeState = nodeState;
        this.metrics = metrics;
        this.hazelcast = hazelcast;
    }

    @Override
    public Future<?> start() {
        StateFeed.listen(vertx, view, metrics);
        WebAccess access = settings.access();
        if (!access.loopback()) {
            LOG.warn("the web port listens on {}, not loopback: other machines reach it; every API call needs the token",
                    access.host());
        }
        Path scratch = settings.scratchDir();
        DataQuota quota = new DataQuota(access.dataQuotaBytes(), host::hostedBytes);
        TorrentCreation creation = new TorrentCreation(vertx, host, hazelcast == null ? null : new TorrentCatalog(vertx, hazelcast), scratch);
        TorrentAdding adding = new TorrentAdding(vertx, host, quota, scratch);

        Router router = Router.router(vertx);
        router.route().handler(new AccessGuard(access, localAddresses(access)));
        router.get("/api/swarm").handler(ctx -> Replies.json(ctx, 200, view.snapshot()));
        router.get("/api/node").handler(ctx -> {
            JsonObject latest = nodeState.get();
            if (latest == null) {
                Replies.error(ctx, 503, "node state not published yet");
            } else {
                Replies.json(ctx, 200, latest);
            }
        });
        router.get("/api/events").handler(events::open);
        router.post("/api/node/torrents").handler(adding.body()).handler(adding::add);
        router.delete("/api/node/torrents/:infoHash").handler(adding::remove);
        // The quota is reserved on a route of its own: Vert.x wants a body handler first on its route.
        router.post("/api/torrents").handler(quota.reserveUpload(settings.maxUploadBytes()));
        router.post("/api/torrents").handler(TorrentCreation.body(scratch, settings.maxUploadBytes())).handler(creation::create);
        router.post("/api/node/seed").handler(quota.reserveUpload(settings.maxUploadBytes()));
        router.post("/api/node/seed").handler(TorrentCreation.body(scratch, settings.maxUploadBytes()))
                .handler(creation::createAndSeed);
        router.get("/metrics").handler(PrometheusScrapingHandler.create(metrics));
        router.route("/api/*").last().handler(ctx -> Replies.error(ctx, 404, "no such API resource: "
                + ctx.request().method() + " " + ctx.request().path()));
        router.route("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
        for (int status : new int[] {400, 403, 404, 405, 413, 415, 500}) {
            router.errorHandler(status, ctx -> Replies.error(ctx, status, status == 413
                    ? ctx.request().path().startsWith("/api/node/torrents")
                            ? "body larger than the limit: a .torrent up to " + TorrentAdding.MAX_TORRENT_BYTES
                                    + " bytes, JSON up to " + TorrentAdding.MAX_JSON_BYTES + " bytes"
                            : "upload larger than the limit of " + settings.maxUploadBytes() + " bytes (--max-upload)"
                    : status == 405 ? "method " + ctx.request().method() + " not allowed on " + ctx.request().path()
                    : ctx.failure() != null && ctx.failure().getMessage() != null ? ctx.failure().getMessage()
                    : "HTTP " + status));
        }
        timer = vertx.setPeriodic(EVENTS_PERIOD_MILLIS, id -> events.push());
        HttpLimits limits = HttpLimits.web();
        return limits.guard(vertx, vertx.createHttpServer(limits.options(new HttpServerOptions().setHost(access.host())
                        .setPort(settings.port()).setCompressionSupported(true))), settings.port(), router)
                .listen()
                .onSuccess(s -> server = s);
    }

    @Override
    public Future<?> stop() {
        vertx.cancelTimer(timer);
        events.closeAll();
        return server == null ? Future.succeededFuture() : server.close();
    }

    public int actualPort() {
        return server.actualPort();
    }

    /** This machine's addresses: accepted as Host when the port listens on every interface. */
    private static Set<String> localAddresses(WebAccess access) {
        Set<String> out = new HashSet<>();
        if (!access.host().equals("0.0.0.0") && !access.host().equals("::")) {
            return out;
        }
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                    String text = a.getHostAddress();
                    int scope = text.indexOf('%');
                    out.add(scope >= 0 ? text.substring(0, scope) : text);
                }
            }
        } catch (SocketException e) {
            LOG.warn("cannot list this machine's addresses: only localhost and --web-allowed-hosts reach the web port");
        }
        return out;
    }
}
