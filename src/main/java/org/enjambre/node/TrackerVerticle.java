package org.enjambre.node;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.enjambre.net.HttpLimits;
import org.enjambre.tracker.hazelcast.TorrentCatalog;
import org.enjambre.tracker.protocol.SwarmStats;
import org.enjambre.tracker.server.AnnounceService;
import org.enjambre.tracker.server.HandOvers;
import org.enjambre.tracker.server.HttpTracker;
import org.enjambre.tracker.server.PeerRegistry;
import org.enjambre.tracker.server.SwarmSnapshot;
import org.enjambre.web.TorrentCreation;

/**
 * A tracker node's full HTTP server, on a loopback port behind the tracker port's
 * {@link org.enjambre.tracker.server.HttpFrontEnd}: the JSON REST API under {@code /api}, and
 * {@code /announce} and {@code /scrape} for the connections the front end hands over (a keep-alive
 * client that asked something else first). It composes; the announce work is the
 * {@link AnnounceService}'s. Several instances may share one port (Vert.x spreads connections).
 */
public final class TrackerVerticle extends VerticleBase {
    private static final Pattern HEX40 = Pattern.compile("[0-9a-fA-F]{40}");

    private final TrackerSettings settings;
    private final PeerRegistry registry;
    private final HazelcastInstance hazelcast;
    private TorrentCatalog catalog;
    private final HttpTracker tracker;
    private HttpServer server;

    private final HttpLimits limits;

    /**
     * @param settings where to listen: the tracker's own port, or the loopback port behind the
     *                 {@link org.enjambre.tracker.server.HttpFrontEnd} that hands requests over
     * @param limits   the port's connection limits
     * @param handOvers who is behind the connections the front end hands over
     */
    public TrackerVerticle(TrackerSettings settings, PeerRegistry registry, HazelcastInstance hazelcast, HttpLimits limits,
                           HandOvers handOvers) {
        this.settings = settings;
        this.registry = registry;
        this.hazelcast = hazelcast;
        this.limits = limits;
        this.tracker = httpTracker(settings, registry, handOvers);
    }

    /** The HTTP front end of a tracker with {@code settings} over {@code registry}. */
    static HttpTracker httpTracker(TrackerSettings settings, PeerRegistry registry, HandOvers handOvers) {
        return new HttpTracker(new AnnounceService(registry, new AnnounceService.Policy(
                settings.intervalSeconds(), settings.minIntervalSeconds(), settings::allowed, settings::allowed)), handOvers);
    }

    @Override
    public Future<?> start() {
        catalog = new TorrentCatalog(vertx, hazelcast);
        Router router = Router.router(vertx);
        router.get("/announce").handler(ctx -> tracker.announce(ctx.request()));
        // Reached only through the front end's hand-over (a keep-alive connection that asked something else first).
        router.get("/scrape").handler(ctx -> tracker.scrape(ctx.request()));
        router.get("/api/torrents").handler(this::listTorrents);
        router.get("/api/torrents/:infoHash").handler(this::oneTorrent);
        router.get("/api/cluster").handler(this::cluster);
        // Uploads are streamed to a scratch folder of the temporary directory, never kept.
        Path scratch = Path.of(System.getProperty("java.io.tmpdir"), "enjambre-uploads");
        router.post("/api/torrents").handler(TorrentCreation.body(scratch, settings.maxUploadBytes()))
                .handler(new TorrentCreation(vertx, null, catalog, scratch, settings::allowed)::create);
        router.route("/api/*").last().handler(ctx -> jsonError(ctx, 404, "no such API resource: " + ctx.request().path()));
        for (int status : new int[] {400, 404, 405, 413, 500}) {
            router.errorHandler(status, ctx -> {
                if (ctx.request().path().startsWith("/api")) {
                    jsonError(ctx, status, status == 413
                            ? "upload larger than the limit of " + settings.maxUploadBytes() + " bytes"
                            : ctx.failure() != null && ctx.failure().getMessage() != null ? ctx.failure().getMessage() : "HTTP " + status);
                } else if (!ctx.response().ended()) {
                    ctx.response().setStatusCode(status).end();
                }
            });
        }
        HttpServer http = vertx.createHttpServer(limits.options(HttpTracker.serverOptions(settings.host(), settings.port())));
        // The announce, the hot path, skips the router (its per-request context and
        // matching cost more than the announce codec itself); everything else is routed.
        return limits.guard(vertx, http, settings.port(), request -> {
                    if (request.method() == HttpMethod.GET && "/announce".equals(request.path())) {
                        tracker.announce(request);
                    } else {
                        router.handle(request);
                    }
                })
                .listen()
                .onSuccess(s -> server = s);
    }

    /** The port actually bound (useful with port 0). */
    public int actualPort() {
        return server.actualPort();
    }

    private void listTorrents(RoutingContext ctx) {
        Future<Map<String, JsonObject>> registered = catalog.all(TrackerSettings.SCRAPE_ALL_LIMIT);
        registry.scrapeAll(TrackerSettings.SCRAPE_ALL_LIMIT).compose(swarms -> registered.map(reg -> {
            Map<String, JsonObject> out = new LinkedHashMap<>();
            swarms.forEach((h, s) -> out.put(h, torrentJson(h, s, reg.get(h))));
            reg.forEach((h, meta) -> out.computeIfAbsent(h, k -> torrentJson(k, SwarmStats.EMPTY, meta)));
            return new JsonArray(new ArrayList<>(out.values()));
        })).onComplete(ar -> {
            if (ar.succeeded()) {
                json(ctx, 200, ar.result().encode());
            } else {
                jsonError(ctx, 500, "registry unavailable: " + ar.cause().getMessage());
            }
        });
    }

    private void oneTorrent(RoutingContext ctx) {
        String infoHash = ctx.pathParam("infoHash");
        if (!HEX40.matcher(infoHash).matches()) {
            jsonError(ctx, 400, "infoHash must be 40 hexadecimal characters");
            return;
        }
        String hash = infoHash.toLowerCase(java.util.Locale.ROOT);
        Future<JsonObject> registered = catalog.get(hash);
        registry.swarm(hash).compose(swarm -> registered.map(meta -> {
            if (swarm.isEmpty() && meta == null) {
                return null;
            }
            SwarmSnapshot s = swarm.orElse(new SwarmSnapshot(SwarmStats.EMPTY, List.of()));
            JsonObject json = torrentJson(hash, s.stats(), meta);
            JsonArray peers = new JsonArray();
            for (SwarmSnapshot.PeerInfo p : s.peers()) {
                peers.add(new JsonObject()
                        .put("ip", p.address().host())
                        .put("port", p.address().port())
                        .put("seeder", p.seeder())
                        .put("lastAnnounce", p.lastSeen()));
            }
            return json.put("peers", peers);
        })).onComplete(ar -> {
            if (ar.failed()) {
                jsonError(ctx, 500, "registry unavailable: " + ar.cause().getMessage());
            } else if (ar.result() == null) {
                jsonError(ctx, 404, "unknown torrent " + hash);
            } else {
                json(ctx, 200, ar.result().encode());
            }
        });
    }

    private static JsonObject torrentJson(String hash, SwarmStats s, JsonObject meta) {
        JsonObject j = new JsonObject()
                .put("infoHash", hash)
                .put("seeders", s.complete())
                .put("leechers", s.incomplete())
                .put("completed", s.downloaded())
                .put("registered", meta != null);
        if (meta != null) {
            j.put("name", meta.getString("name")).put("length", meta.getLong("length"));
        }
        return j;
    }

    /** The cluster's members as the REST API and the tracker state show them. */
    static JsonArray members(HazelcastInstance hazelcast) {
        JsonArray members = new JsonArray();
        for (Member m : hazelcast.getCluster().getMembers()) {
            members.add(new JsonObject()
                    .put("id", m.getUuid().toString())
                    .put("address", m.getAddress().getHost() + ":" + m.getAddress().getPort())
                    .put("local", m.localMember()));
        }
        return members;
    }

    private void cluster(RoutingContext ctx) {
        JsonArray members = members(hazelcast);
        json(ctx, 200, new JsonObject().put("size", members.size()).put("members", members).encode());
    }

    static void json(RoutingContext ctx, int status, String body) {
        if (!ctx.response().ended() && !ctx.response().closed()) {
            ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
        }
    }

    static void jsonError(RoutingContext ctx, int status, String message) {
        json(ctx, status, new JsonObject().put("error", message).encode());
    }
}
