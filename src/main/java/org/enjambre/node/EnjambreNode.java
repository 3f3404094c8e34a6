package org.enjambre.node;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Files;
import java.nio.file.Path;
import org.enjambre.web.WebVerticle;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.enjambre.net.ConnectionSlots;
import org.enjambre.net.NativeTransport;
import org.enjambre.report.ReportBridge;
import org.enjambre.report.ReportClient;
import org.enjambre.tracker.client.AnnouncePolicy;
import org.enjambre.tracker.client.Announcer;
import org.enjambre.tracker.hazelcast.TrackerLimits;
import org.enjambre.tracker.client.UdpTrackerSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code enjambre node}: Vert.x (clustered through Hazelcast for a member, so that the event bus
 * is the cluster's; a member also runs the {@link ReportBridge} that peer nodes report to, and a peer
 * node with {@code --report-to} a {@link ReportClient}), a {@link PeerVerticle} hosting the {@link TorrentLibrary}, a
 * {@link StateVerticle} publishing the node's state, a {@link WebVerticle}, and with
 * {@code --tracker} the tracker ({@link TrackerNode#deploy}) on the tracker port, sharing the cluster's registry.
 * Metrics go to the node's own Prometheus registry (several nodes may share a JVM in tests).
 * Started and stopped from a plain thread.
 */
public final class EnjambreNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EnjambreNode.class);
    private static final long TIMEOUT_SECONDS = 120;

    private final Vertx vertx;
    private final HazelcastInstance ownedHazelcast;
    private final TorrentLibrary library;
    private final PeerVerticle peer;
    private final WebVerticle web;
    private final int trackerPort;
    private final NodeIdentity identity;
    private final String announceUrl;
    private final String apiToken;
    private final ReportBridge bridge;
    private final DhtService dht;
    private volatile boolean closed;

    private EnjambreNode(Vertx vertx, HazelcastInstance ownedHazelcast, TorrentLibrary library, PeerVerticle peer,
                         WebVerticle web, int trackerPort, NodeIdentity identity, String announceUrl, String apiToken,
                         ReportBridge bridge, DhtService dht) {
        this.dht = dht;
        this.apiToken = apiToken;
        this.bridge = bridge;
        this.vertx = vertx;
        this.ownedHazelcast = ownedHazelcast;
        this.library = library;
        this.peer = peer;
        this.web = web;
        this.trackerPort = trackerPort;
        this.identity = identity;
        this.announceUrl = announceUrl;
    }

    /**
     * Starts a node in the given part of the cluster and hosts again the torrents kept under its data folder.
     *
     * @param role null for {@link ClusterRole.Alone}
     */
    public static EnjambreNode start(NodeSettings settings, ClusterRole role) throws Exception {
        return start(settings, role, AnnouncePolicy.publicOnly());
    }

    /**
     * @param role   null for {@link ClusterRole.Alone}
     * @param policy which tracker addresses announces may reach; the node's own tracker is always allowed
     */
    public static EnjambreNode start(NodeSettings settings, ClusterRole role, AnnouncePolicy policy) throws Exception {
        return start(settings, role, policy, DhtService.Settings.disabled());
    }

    /**
     * @param dht the node's DHT ({@code --dht}): hosted torrents are announced on it and find peers
     *            through it; its id and good nodes are kept in the state folder
     */
    public static EnjambreNode start(NodeSettings settings, ClusterRole role, AnnouncePolicy policy,
                                     DhtService.Settings dht) throws Exception {
        return start(settings, role, policy, dht, Announcer.Options.defaults());
    }

    /** @param announcing timing of the hosted torrents' announces (retries while the trackers start) */
    public static EnjambreNode start(NodeSettings settings, ClusterRole role, AnnouncePolicy policy,
                                     DhtService.Settings dht, Announcer.Options announcing) throws Exception {
        if (role == null) {
            role = new ClusterRole.Alone();
        }
        Files.createDirectories(settings.dataDir());
        Path stateDir = settings.stateFolder();
        NodeState.prepare(stateDir, settings.dataDir());
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        VertxOptions options = PeerVerticle.vertxOptions()
                .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(false));
        VertxBuilder builder = Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(metrics));
        Vertx vertx;
        HazelcastInstance hazelcast = null;
        HazelcastInstance owned = null;
        if (role instanceof ClusterRole.Member member) {
            HazelcastClusterManager manager = new HazelcastClusterManager(member.hazelcast());
            vertx = await(builder.withClusterManager(manager).buildClustered());
            hazelcast = manager.getHazelcastInstance();
        } else {
            vertx = builder.build();
            if (settings.tracker()) {
                owned = Hazelcast.newHazelcastInstance(ClusterConfig.standalone());
                hazelcast = owned;
            }
        }
        NativeTransport.report(vertx, options);
        try {
            int trackerPort = -1;
            PeerVerticle peer = new PeerVerticle(settings.host(), settings.peerPort())
                    .nodeRateLimits(settings.nodeUploadRate(), settings.nodeDownloadRate()).announcePolicy(policy)
                    .announcing(announcing);
            await(vertx.deployVerticle(peer));
            CountingPeerRegistry registry = null;
            TrackerSettings ts = null;
            if (settings.tracker()) {
                ts = new TrackerSettings(settings.host(), settings.trackerPort(),
                        settings.trackerInterval(), null, settings.maxUploadBytes(), settings.trackerUdpPort());
                // The tracker's own deployment (verticle, port, sweep), with its registry wrapped to count announces.
                registry = new CountingPeerRegistry(TrackerNode.registryFor(vertx, hazelcast, ts,
                        role instanceof ClusterRole.Member));
            }
            DhtService dhtService = null;
            if (dht.enabled()) {
                DhtService.Settings withState = dht.stateFile() != null ? dht : dht.withStateFile(stateDir.resolve("dht.state"));
                // A node that hosts a tracker is one of the cluster's DHT nodes: its store is the registry.
                dhtService = await(registry == null ? DhtService.start(vertx, withState)
                        : TrackerNode.startDht(vertx, hazelcast, ts, withState, registry));
                peer.dht(dhtService.node(), dhtService.port())
                        .udpTrackerSocket(UdpTrackerSocket.over(vertx, dhtService.endpoint())); // one UDP port
                registerDhtMeters(metrics, settings.name(), dhtService.node());
            }
            TorrentLibrary library = new TorrentLibrary(vertx, peer, settings.dataDir(), stateDir, settings.uploadRate());

            String announceUrl = null;
            if (settings.tracker()) {
                trackerPort = await(TrackerNode.deploy(vertx, hazelcast, ts, 1, registry));
                String host = settings.advertisedHost();
                announceUrl = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + trackerPort + "/announce";
                // The node's own tracker is the user's choice, wherever it listens.
                peer.announcePolicy(policy.trusting(announceUrl));
                if (ts.udp()) {
                    TrackerNode.UdpDeployment udp = await(TrackerNode.deployUdp(vertx, hazelcast, ts, 1, registry));
                    registerUdpTrackerMeters(metrics, settings.name(), udp.tracker());
                    String udpUrl = "udp://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + udp.port() + "/announce";
                    LOG.info("UDP tracker (BEP 15) on {}", udpUrl);
                    peer.announcePolicy(policy.trusting(announceUrl).trusting(udpUrl));
                }
            }
            NodeIdentity identity = new NodeIdentity(UUID.randomUUID().toString(), settings.name(),
                    java.util.HexFormat.of().formatHex(peer.peerId()), peer.actualPort(), 0);
            // The web port is known only once bound; the state carries it, so bind first with a placeholder identity.
            StateVerticle[] holder = new StateVerticle[1];
            WebVerticle web = new WebVerticle(new WebVerticle.Settings(settings.web(), settings.webPort(),
                    settings.maxUploadBytes(), NodeState.uploads(stateDir)), library,
                    () -> holder[0] == null ? null : holder[0].latest(), metrics, hazelcast);
            await(vertx.deployVerticle(web));
            identity = new NodeIdentity(identity.id(), identity.name(), identity.peerId(), identity.peerPort(), web.actualPort());
            StateVerticle state = new StateVerticle(identity, library, registry, hazelcast, announceUrl, dhtService);
            holder[0] = state;
            await(vertx.deployVerticle(state));
            ReportBridge bridge = null;
            switch (role) {
                case ClusterRole.Member m when m.reportToken() != null -> {
                    bridge = new ReportBridge(settings.host(), m.reportPort(), m.reportToken());
                    await(vertx.deployVerticle(bridge));
                }
                case ClusterRole.Reporter r -> await(vertx.deployVerticle(new ReportClient(r.bridges(), r.token())));
                default -> {
                    // a member without a bridge, or a node alone: nothing reports through here
                }
            }
            registerMeters(metrics, settings.name(), library, registry);
            registerBridgeMeters(metrics, settings.name(), bridge);
            registerRefusals(metrics, settings.name(), peer.incomingSlots());
            int restored = await(library.restore());
            LOG.info("node {} up: web {}, peers {}, {} torrent(s) hosted again", settings.name(),
                    web.actualPort(), peer.actualPort(), restored);
            return new EnjambreNode(vertx, owned, library, peer, web, trackerPort, identity, announceUrl,
                    settings.web().apiToken(), bridge, dhtService);
        } catch (Exception e) {
            vertx.close();
            if (owned != null) {
                owned.shutdown();
            }
            throw e;
        }
    }

    /** The UDP tracker's datagrams on {@code /metrics}, by what they were. */
    private static void registerUdpTrackerMeters(PrometheusMeterRegistry m, String name, org.enjambre.tracker.server.UdpTracker udp) {
        Tags tags = Tags.of("node", name);
        String description = "datagrams the UDP tracker (BEP 15) received, by kind";
        java.util.Map<String, ToDoubleFunction<org.enjambre.tracker.server.UdpTracker>> kinds = java.util.Map.of(
                "connect", u -> u.counts().connects(), "announce", u -> u.counts().announces(),
                "scrape", u -> u.counts().scrapes(), "bad_connection_id", u -> u.counts().badConnectionIds(),
                "malformed", u -> u.counts().malformed(), "ignored", u -> u.counts().ignored());
        kinds.forEach((kind, count) -> FunctionCounter.builder("enjambre.tracker.udp.datagrams", udp, count)
                .description(description).tags(tags.and("kind", kind)).register(m));
    }

    /** The DHT on {@code /metrics}: the table, the store, lookups, and what was refused. */
    private static void registerDhtMeters(PrometheusMeterRegistry m, String name, org.enjambre.dht.DhtNode node) {
        Tags tags = Tags.of("node", name);
        io.micrometer.core.instrument.Gauge.builder("enjambre.dht.nodes", node, n -> n.stats().nodes())
                .description("nodes in the DHT routing table").tags(tags).register(m);
        io.micrometer.core.instrument.Gauge.builder("enjambre.dht.nodes.good", node, n -> n.stats().goodNodes())
                .description("good nodes in the DHT routing table").tags(tags).register(m);
        io.micrometer.core.instrument.Gauge.builder("enjambre.dht.stored.torrents", node, n -> n.stats().storedTorrents())
                .description("info-hashes other nodes announced to us").tags(tags).register(m);
        io.micrometer.core.instrument.Gauge.builder("enjambre.dht.stored.peers", node, n -> n.stats().storedPeers())
                .description("peers other nodes announced to us").tags(tags).register(m);
        FunctionCounter.builder("enjambre.dht.lookups", node, n -> n.stats().lookups())
                .description("DHT lookups finished").tags(tags).register(m);
        FunctionCounter.builder("enjambre.dht.lookup.queries", node, n -> n.stats().lookupQueries())
                .description("queries sent by DHT lookups (round trips)").tags(tags).register(m);
        FunctionCounter.builder("enjambre.dht.queries.received", node, n -> n.stats().queriesReceived())
                .description("DHT queries answered").tags(tags).register(m);
        String refused = "DHT packets refused, by reason";
        FunctionCounter.builder("enjambre.dht.refused", node, n -> n.stats().malformed())
                .description(refused).tags(tags.and("reason", "malformed")).register(m);
        FunctionCounter.builder("enjambre.dht.refused", node, n -> n.stats().rateLimited())
                .description(refused).tags(tags.and("reason", "rate-limited")).register(m);
        FunctionCounter.builder("enjambre.dht.refused", node, n -> n.stats().badTokens())
                .description(refused).tags(tags.and("reason", "bad-token")).register(m);
        FunctionCounter.builder("enjambre.dht.refused", node, n -> n.stats().storeRefused())
                .description(refused).tags(tags.and("reason", "store-full")).register(m);
        FunctionCounter.builder("enjambre.dht.learnt.nodes.refused", node, n -> n.stats().nodesRefused())
                .description("nodes named in DHT answers and not asked: out of the answerer's scope, or our own id")
                .tags(tags).register(m);
    }

    /** The node's DHT, or null with {@code --no-dht}. */
    public org.enjambre.dht.DhtNode dht() {
        return dht == null ? null : dht.node();
    }

    /** The DHT's UDP port, or 0 with {@code --no-dht}. */
    public int dhtPort() {
        return dht == null ? 0 : dht.port();
    }

    /** Sockets the peer port refused at once, by the cap that refused them. */
    private static void registerRefusals(PrometheusMeterRegistry m, String name, ConnectionSlots slots) {
        String description = "peer connections refused before the handshake";
        FunctionCounter.builder("enjambre.peer.connections.refused", slots, s -> s.refusedHalfOpen())
                .description(description).tags(Tags.of("node", name, "cap", "half-open")).register(m);
        FunctionCounter.builder("enjambre.peer.connections.refused", slots, s -> s.refusedPerAddress())
                .description(description).tags(Tags.of("node", name, "cap", "per-address")).register(m);
    }

    private static void registerMeters(PrometheusMeterRegistry m, String name, TorrentLibrary library,
                                       CountingPeerRegistry registry) {
        Tags tags = Tags.of("node", name);
        counter(m, "enjambre.bytes.uploaded", "bytes sent to peers", tags, library, l -> l.uploaded());
        counter(m, "enjambre.bytes.downloaded", "bytes received from peers", tags, library, l -> l.downloaded());
        counter(m, "enjambre.pieces.verified", "pieces whose SHA-1 matched", tags, library, l -> l.piecesVerified());
        counter(m, "enjambre.hash.failures", "pieces whose SHA-1 did not match", tags, library, l -> l.hashFailures());
        Gauge.builder("enjambre.peers", library, l -> l.peers()).description("connected peers").tags(tags).register(m);
        Gauge.builder("enjambre.torrents", library, l -> l.hosted().size()).description("torrents hosted").tags(tags).register(m);
        if (registry != null) {
            FunctionCounter.builder("enjambre.tracker.announces", registry, r -> r.announces())
                    .description("announces answered by this tracker node").tags(tags).register(m);
            FunctionCounter.builder("enjambre.tracker.announces.refused", registry, r -> r.refused())
                    .description("announces refused by this tracker node").tags(tags).register(m);
            for (TrackerLimits.Limit limit : TrackerLimits.Limit.values()) {
                FunctionCounter.builder("enjambre.tracker.limit.refusals", registry, r -> r.refusedAt(limit))
                        .description("announces refused at a limit of the registry (swarms, peers per swarm, per address, heap)")
                        .tags(tags.and("limit", limit.name().toLowerCase(java.util.Locale.ROOT))).register(m);
            }
        }
    }

    private static void registerBridgeMeters(PrometheusMeterRegistry m, String name, ReportBridge bridge) {
        if (bridge == null) {
            return;
        }
        FunctionCounter.builder("enjambre.report.accepted", bridge, b -> b.accepted())
                .description("peer states the report bridge published on the cluster's bus").tags(Tags.of("node", name)).register(m);
        for (ReportBridge.Refusal reason : ReportBridge.Refusal.values()) {
            FunctionCounter.builder("enjambre.report.refused", bridge, b -> b.refused(reason))
                    .description("frames or connections the report bridge refused")
                    .tags(Tags.of("node", name, "reason", reason.name().toLowerCase(java.util.Locale.ROOT))).register(m);
        }
    }

    private static void counter(PrometheusMeterRegistry m, String name, String description, Tags tags,
                                TorrentLibrary library, ToDoubleFunction<TorrentLibrary> f) {
        FunctionCounter.builder(name, library, f).description(description).tags(tags).register(m);
    }

    public Vertx vertx() {
        return vertx;
    }

    public TorrentLibrary library() {
        return library;
    }

    public NodeIdentity identity() {
        return identity;
    }

    public int webPort() {
        return web.actualPort();
    }

    /** The bearer token the node's API wants. */
    public String apiToken() {
        return apiToken;
    }

    public int peerPort() {
        return peer.actualPort();
    }

    /** The tracker's announce URL, or null without {@code --tracker}. */
    public String announceUrl() {
        return announceUrl;
    }

    public int trackerPort() {
        return trackerPort;
    }

    /** The report bridge this member runs, or null (not a member, or a member without one). */
    public ReportBridge reportBridge() {
        return bridge;
    }

    /** Saves resume data, announces {@code stopped}, closes Vert.x (and leaves the cluster). Bounded in time. */
    @Override
    public void close() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        try {
            try {
                await(library.close());
                if (dht != null) {
                    await(dht.close());
                }
            } finally {
                // Awaited on its own: a continuation chained to close() would be dispatched to an
                // event loop that close() has just terminated.
                await(vertx.close());
            }
        } finally {
            if (ownedHazelcast != null) {
                ownedHazelcast.shutdown();
            }
        }
    }

    static <T> T await(Future<T> future) throws Exception {
        return Await.result(future, java.time.Duration.ofSeconds(TIMEOUT_SECONDS));
    }
}
