package org.enjambre.node;

import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.enjambre.metainfo.Info;
import org.enjambre.swarm.TorrentEngine;
import org.enjambre.swarm.TorrentState;
import org.enjambre.tracker.protocol.SwarmStats;

/**
 * Publishes this node's state on the clustered event bus every {@link #PERIOD_MILLIS}: the peer
 * part on {@link #STATE_ADDRESS}, and with a tracker the tracker part on {@link #TRACKER_ADDRESS}.
 * The schema is {@code docs/state.md}; the REST API and the dashboard serve the same objects.
 * Rates are the counters' differences between two publications.
 */
public final class StateVerticle extends VerticleBase {
    /** Where every peer node publishes its state (publish, not send: every web verticle listens). */
    public static final String STATE_ADDRESS = org.enjambre.report.StateSchema.STATE_ADDRESS;
    /** Where every tracker node publishes its announces and the cluster's members. */
    public static final String TRACKER_ADDRESS = org.enjambre.report.StateSchema.TRACKER_ADDRESS;
    public static final long PERIOD_MILLIS = 1000;
    /** Version of the state schema in docs/state.md. */
    public static final int SCHEMA = org.enjambre.report.StateSchema.VERSION;

    private final NodeIdentity identity;
    private final TorrentLibrary library;
    private final CountingPeerRegistry registry;
    private final HazelcastInstance hazelcast;
    private final String announceUrl;
    private final DhtService dht;
    private final Map<String, long[]> lastCounters = new HashMap<>();
    private long lastNanos = System.nanoTime();
    private long lastAnnounces;
    private volatile JsonObject latest;
    private volatile JsonObject latestTracker;
    private long timer;

    /**
     * @param registry null on a node without a tracker
     * @param dht      null on a node with {@code --no-dht}
     */
    public StateVerticle(NodeIdentity identity, TorrentLibrary library, CountingPeerRegistry registry,
                         HazelcastInstance hazelcast, String announceUrl, DhtService dht) {
        this.dht = dht;
        this.identity = identity;
        this.library = library;
        this.registry = registry;
        this.hazelcast = hazelcast;
        this.announceUrl = announceUrl;
    }

    @Override
    public Future<?> start() {
        latest = header().put("rates", rates(0, 0)).put("torrents", new JsonArray());
        timer = vertx.setPeriodic(50, PERIOD_MILLIS, id -> publish());
        return Future.succeededFuture();
    }

    @Override
    public Future<?> stop() {
        vertx.cancelTimer(timer);
        return Future.succeededFuture();
    }

    /** The last state published by this node (what {@code GET /api/node} answers). */
    public JsonObject latest() {
        return latest;
    }

    /** The last tracker state, or null on a node without a tracker. */
    public JsonObject latestTracker() {
        return latestTracker;
    }

    private JsonObject header() {
        return new JsonObject()
                .put("schema", SCHEMA)
                .put("id", identity.id())
                .put("name", identity.name())
                .put("peerId", identity.peerId())
                .put("time", System.currentTimeMillis())
                .put("peerPort", identity.peerPort())
                .put("webPort", identity.webPort())
                .put("tracker", registry != null)
                .put("dht", dhtState());
    }

    /** The DHT part: {@code enabled} alone with {@code --no-dht}, else the node's last counters. */
    private JsonObject dhtState() {
        if (dht == null) {
            return new JsonObject().put("enabled", false);
        }
        org.enjambre.dht.DhtStats s = dht.node().stats();
        return new JsonObject()
                .put("enabled", true)
                .put("nodeId", dht.node().id().hex())
                .put("port", dht.port())
                .put("goodNodes", s.goodNodes())
                .put("questionableNodes", s.nodes() - s.goodNodes())
                .put("storedTorrents", s.storedTorrents())
                .put("storedPeers", s.storedPeers())
                .put("lookups", s.lookups())
                .put("lookupsInFlight", s.lookupsInFlight())
                .put("queriesReceived", s.queriesReceived())
                .put("queriesRefused", s.queriesRefused())
                .put("malformed", s.malformed());
    }

    private void publish() {
        long now = System.nanoTime();
        double seconds = Math.max(0.001, (now - lastNanos) / 1e9);
        lastNanos = now;
        List<TorrentLibrary.Hosted> hosted = new ArrayList<>(library.hosted());
        List<Future<JsonObject>> torrents = new ArrayList<>();
        for (TorrentLibrary.Hosted h : hosted) {
            torrents.add(torrentState(h.engine(), seconds));
        }
        Future.join(torrents).onComplete(ar -> {
            JsonArray list = new JsonArray();
            for (MagnetDownload magnet : library.fetching()) {
                list.add(fetchingState(magnet));
            }
            double up = 0;
            double down = 0;
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (Future<JsonObject> f : torrents) {
                if (f.succeeded()) {
                    JsonObject t = f.result();
                    list.add(t);
                    up += t.getJsonObject("rates").getDouble("up");
                    down += t.getJsonObject("rates").getDouble("down");
                    seen.add(t.getString("infoHash"));
                    for (Object p : t.getJsonArray("peers")) {
                        seen.add(t.getString("infoHash") + " " + ((JsonObject) p).getString("address"));
                    }
                }
            }
            lastCounters.keySet().retainAll(seen);
            JsonObject state = header().put("rates", rates(up, down)).put("torrents", list);
            latest = state;
            vertx.eventBus().publish(STATE_ADDRESS, state);
        });
        if (registry != null) {
            publishTracker(seconds);
        }
    }

    private Future<JsonObject> torrentState(TorrentEngine engine, double seconds) {
        TorrentState state = engine.state();
        Info info = engine.metainfo().info();
        String hash = engine.infoHash().hex();
        Future<List<TorrentEngine.PeerSnapshot>> peers = engine.peers();
        Future<Map<String, BitSet>> pieces = engine.peerPieces();
        return Future.all(peers, pieces).map(cf -> {
            int pieceCount = info.pieceCount();
            JsonArray peerList = new JsonArray();
            int seeds = 0;
            HexFormat hex = HexFormat.of();
            for (TorrentEngine.PeerSnapshot p : peers.result()) {
                BitSet bits = pieces.result().getOrDefault(p.address(), new BitSet());
                if (p.pieces() == pieceCount) {
                    seeds++;
                }
                double[] r = rate(hash + " " + p.address(), p.uploaded(), p.downloaded(), seconds);
                peerList.add(new JsonObject()
                        .put("address", p.address())
                        .put("peerId", hex.formatHex(p.peerId()))
                        .put("client", ClientNames.of(p.peerId()))
                        .put("incoming", p.incoming())
                        .put("progress", pieceCount == 0 ? 0.0 : (double) p.pieces() / pieceCount)
                        .put("pieces", p.pieces())
                        .put("bitfield", base64Bitfield(bits, pieceCount))
                        .put("rates", rates(r[0], r[1]))
                        .put("uploaded", p.uploaded())
                        .put("downloaded", p.downloaded())
                        .put("flags", new JsonObject()
                                .put("amChoking", p.amChoking())
                                .put("amInterested", p.amInterested())
                                .put("peerChoking", p.peerChoking())
                                .put("peerInterested", p.peerInterested())));
            }
            double[] r = rate(hash, state.uploaded(), state.downloaded(), seconds);
            return new JsonObject()
                    .put("infoHash", hash)
                    .put("name", info.name())
                    .put("length", info.totalLength())
                    .put("pieceLength", info.pieceLength())
                    .put("pieceCount", pieceCount)
                    .put("progress", state.progress())
                    .put("complete", state.complete())
                    .put("bitfield", Base64.getEncoder().encodeToString(state.bitfieldBytes()))
                    .put("rates", rates(r[0], r[1]))
                    .put("counts", new JsonObject()
                            .put("peers", peerList.size())
                            .put("seeds", seeds)
                            .put("uploaded", state.uploaded())
                            .put("downloaded", state.downloaded())
                            .put("piecesVerified", state.verifiedCount())
                            .put("piecesTotal", pieceCount)
                            .put("hashFailures", state.hashFailures()))
                    .put("peers", peerList);
        });
    }

    /**
     * A magnet link whose metadata has not come: its name from {@code dn} (or the hash), the peers it
     * talks to for the metadata, no pieces yet.
     */
    private static JsonObject fetchingState(MagnetDownload magnet) {
        return new JsonObject()
                .put("infoHash", magnet.magnet().infoHash().hex())
                .put("name", TorrentLibrary.nameOf(magnet.magnet()))
                .put("length", 0)
                .put("pieceLength", 0)
                .put("pieceCount", 0)
                .put("progress", 0.0)
                .put("complete", false)
                .put("fetchingMetadata", true)
                .put("bitfield", "")
                .put("rates", rates(0, 0))
                .put("counts", new JsonObject()
                        .put("peers", magnet.metadataPeers())
                        .put("seeds", 0)
                        .put("uploaded", 0)
                        .put("downloaded", 0)
                        .put("piecesVerified", 0)
                        .put("piecesTotal", 0)
                        .put("hashFailures", 0))
                .put("peers", new JsonArray());
    }

    /** Bytes per second up and down since the last publication for one key. */
    private double[] rate(String key, long uploaded, long downloaded, double seconds) {
        long[] last = lastCounters.put(key, new long[] {uploaded, downloaded});
        if (last == null) {
            return new double[] {0, 0};
        }
        return new double[] {Math.max(0, uploaded - last[0]) / seconds, Math.max(0, downloaded - last[1]) / seconds};
    }

    private static JsonObject rates(double up, double down) {
        return new JsonObject().put("up", Math.round(up)).put("down", Math.round(down));
    }

    static String base64Bitfield(BitSet bits, int pieceCount) {
        byte[] out = new byte[(pieceCount + 7) / 8];
        for (int i = bits.nextSetBit(0); i >= 0 && i < pieceCount; i = bits.nextSetBit(i + 1)) {
            out[i >>> 3] |= (byte) (0x80 >>> (i & 7));
        }
        return Base64.getEncoder().encodeToString(out);
    }

    private void publishTracker(double seconds) {
        long announces = registry.announces();
        double announceRate = (announces - lastAnnounces) / seconds;
        lastAnnounces = announces;
        JsonArray members = TrackerVerticle.members(hazelcast);
        registry.scrapeAll(TrackerSettings.SCRAPE_ALL_LIMIT).onComplete(ar -> {
            JsonArray swarms = new JsonArray();
            if (ar.succeeded()) {
                for (Map.Entry<String, SwarmStats> e : ar.result().entrySet()) {
                    swarms.add(new JsonObject().put("infoHash", e.getKey())
                            .put("seeders", e.getValue().complete())
                            .put("leechers", e.getValue().incomplete())
                            .put("completed", e.getValue().downloaded()));
                }
            }
            JsonObject t = new JsonObject()
                    .put("schema", SCHEMA)
                    .put("id", identity.id())
                    .put("name", identity.name())
                    .put("time", System.currentTimeMillis())
                    .put("announceUrl", announceUrl)
                    .put("announces", announces)
                    .put("announcesRefused", registry.refused())
                    .put("announceRate", Math.round(announceRate * 10) / 10.0)
                    .put("registryUp", ar.succeeded())
                    .put("members", members)
                    .put("torrents", swarms);
            latestTracker = t;
            vertx.eventBus().publish(TRACKER_ADDRESS, t);
        });
    }
}
