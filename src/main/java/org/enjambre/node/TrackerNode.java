package org.enjambre.node;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.enjambre.net.HttpLimits;
import org.enjambre.net.NativeTransport;
import org.enjambre.tracker.hazelcast.ConnectionIdKey;
import org.enjambre.tracker.hazelcast.HazelcastPeerRegistry;
import org.enjambre.tracker.hazelcast.LimitedPeerRegistry;
import org.enjambre.tracker.hazelcast.LocalPeerRegistry;
import org.enjambre.tracker.server.AnnounceService;
import org.enjambre.tracker.server.ConnectionIds;
import org.enjambre.tracker.server.HandOvers;
import org.enjambre.tracker.server.HttpFrontEnd;
import org.enjambre.tracker.server.PeerRegistry;
import org.enjambre.tracker.server.RegistryPeerStorage;
import org.enjambre.tracker.server.UdpTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running tracker node: Vert.x, a Hazelcast member (alone, or joined to a cluster through
 * Vert.x's cluster manager), the registry (in Hazelcast in a cluster, in process alone), one tracker verticle per event loop sharing the
 * HTTP port, with a UDP port the BEP 15 front end on the same registry, and with the DHT on a
 * Mainline DHT node whose stored peers are the registry's. Started and stopped from a plain thread (the CLI's main thread, a test).
 */
public final class TrackerNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrackerNode.class);
    private static final long START_TIMEOUT_SECONDS = 120;
    /** How often a tracker's DHT pings the DHT nodes of the other cluster members (a few per cluster). */
    static final long CLUSTER_DHT_PING_MILLIS = 30_000;
    /** Where the full HTTP server behind the announce front end listens. */
    private static final String HAND_OVER_HOST = "127.0.0.1";

    private final Vertx vertx;
    private final HazelcastInstance hazelcast;
    private final boolean ownsHazelcast;
    private final int port;
    private final int udpPort;
    private final String host;
    private volatile DhtService dht;

    private TrackerNode(Vertx vertx, HazelcastInstance hazelcast, boolean ownsHazelcast, String host, int port, int udpPort) {
        this.vertx = vertx;
        this.hazelcast = hazelcast;
        this.ownsHazelcast = ownsHazelcast;
        this.host = host;
        this.port = port;
        this.udpPort = udpPort;
    }

    /**
     * Starts a node. {@code clusterConfig} null: an embedded lone Hazelcast member and a plain
     * Vert.x; otherwise a clustered Vert.x whose Hazelcast member uses that configuration.
     *
     * @param instances tracker verticles sharing the port (one per core serves best)
     */
    public static TrackerNode start(TrackerSettings settings, Config clusterConfig, int instances) throws Exception {
        return start(settings, clusterConfig, instances, DhtService.Settings.disabled());
    }

    /**
     * As {@link #start(TrackerSettings, Config, int)}, and with {@code dht} enabled a DHT node whose
     * announced peers live in the registry ({@link #startDht}).
     */
    public static TrackerNode start(TrackerSettings settings, Config clusterConfig, int instances,
                                    DhtService.Settings dht) throws Exception {
        Vertx vertx;
        HazelcastInstance hazelcast;
        boolean owns;
        VertxOptions options = NativeTransport.prefer(new VertxOptions());
        if (clusterConfig == null) {
            hazelcast = Hazelcast.newHazelcastInstance(ClusterConfig.standalone());
            vertx = Vertx.builder().with(options).build();
            owns = true;
        } else {
            HazelcastClusterManager manager = new HazelcastClusterManager(clusterConfig);
            vertx = await(Vertx.builder().with(options).withClusterManager(manager).buildClustered());
            hazelcast = manager.getHazelcastInstance();
            owns = false;
        }
        NativeTransport.report(vertx, options);
        try {
            PeerRegistry registry = registryFor(vertx, hazelcast, settings, clusterConfig != null);
            int port = await(deploy(vertx, hazelcast, settings, instances, registry));
            int udpPort = settings.udp() ? await(deployUdp(vertx, hazelcast, settings, instances, registry)).port() : -1;
            TrackerNode node = new TrackerNode(vertx, hazelcast, owns, settings.host(), port, udpPort);
            if (dht.enabled()) {
                node.dht = await(startDht(vertx, hazelcast, settings, dht, registry));
            }
            return node;
        } catch (Exception e) {
            vertx.close();
            if (owns) {
                hazelcast.shutdown();
            }
            throw e;
        }
    }

    /**
     * Deploys the tracker on a Vert.x that is already running (a node that hosts other verticles
     * too, on the same Hazelcast member): {@code instances} tracker verticles sharing the HTTP
     * port, and the periodic sweep of expired peers of the swarms this member owns (stopped with
     * that Vert.x). Answers the HTTP port. Call it from a plain thread or compose it; it does not block.
     */
    public static Future<Integer> deploy(Vertx vertx, HazelcastInstance hazelcast, TrackerSettings settings, int instances) {
        return deploy(vertx, hazelcast, settings, instances, registryFor(vertx, hazelcast, settings, true));
    }

    /**
     * The registry {@link #deploy} uses, peers expiring after two intervals: in a cluster the
     * swarms live in Hazelcast (replicated, any node answers); a lone tracker keeps them in
     * process, since it has nobody to replicate to and a Hazelcast operation per announce was
     * most of an announce's CPU.
     */
    public static LimitedPeerRegistry registryFor(Vertx vertx, HazelcastInstance hazelcast, TrackerSettings settings,
                                                  boolean clustered) {
        Duration peerTimeout = Duration.ofSeconds(2L * settings.intervalSeconds());
        return clustered ? new HazelcastPeerRegistry(vertx, hazelcast, peerTimeout) : new LocalPeerRegistry(vertx, peerTimeout);
    }

    /** As {@link #deploy(Vertx, HazelcastInstance, TrackerSettings, int)} with a given registry (the node wraps it to count announces). */
    public static Future<Integer> deploy(Vertx vertx, HazelcastInstance hazelcast, TrackerSettings settings, int instances,
                                         PeerRegistry registry) {
        int port;
        try {
            port = settings.port() != 0 ? settings.port() : freePort(settings.host());
        } catch (java.io.IOException e) {
            return Future.failedFuture(e);
        }
        int handOverPort;
        try {
            handOverPort = freePort(HAND_OVER_HOST);
        } catch (java.io.IOException e) {
            return Future.failedFuture(e);
        }
        TrackerSettings fixed = new TrackerSettings(settings.host(), port, settings.intervalSeconds(),
                settings.allowList(), settings.maxUploadBytes(), settings.udpPort());
        // The full HTTP server (REST API, and whatever the front end hands over) listens on loopback
        // only; every instance binds the same port and Vert.x spreads the connections. Its clients
        // all come from the front end, that is from 127.0.0.1: the per-address cap is the front end's.
        TrackerSettings behind = new TrackerSettings(HAND_OVER_HOST, handOverPort, settings.intervalSeconds(),
                settings.allowList(), settings.maxUploadBytes(), settings.udpPort());
        HttpLimits front = HttpLimits.tracker();
        HttpLimits handOver = new HttpLimits("tracker HTTP port (handed over)", front.headerTimeout(), front.idleTimeout(),
                front.maxHalfOpen(), front.maxHalfOpen());
        HandOvers handOvers = new HandOvers();
        return vertx.deployVerticle(() -> new TrackerVerticle(behind, registry, hazelcast, handOver, handOvers),
                        new DeploymentOptions().setInstances(Math.max(1, instances)))
                .compose(id -> vertx.deployVerticle(new HttpFrontEnd(TrackerVerticle.httpTracker(fixed, registry, handOvers),
                        settings.host(), port, front, new java.net.InetSocketAddress(HAND_OVER_HOST, handOverPort), handOvers)))
                .recover(e -> Future.failedFuture(NativeTransport.addressInUse(e)
                        ? new java.io.IOException("cannot listen on " + settings.host() + ":" + port + ": " + e.getMessage(), e)
                        : e))
                .map(id -> {
                    long sweepMillis = Math.max(1000L, Math.min(60_000L, settings.intervalSeconds() * 1000L));
                    vertx.setPeriodic(sweepMillis, t -> registry.sweep()
                            .onFailure(e -> LOG.debug("sweep failed: {}", e.toString())));
                    return port;
                });
    }

    /**
     * Deploys the UDP tracker (BEP 15) on {@code settings.udpPort()}, answering from the same
     * registry as HTTP, with the cluster's connection-id key ({@link ConnectionIdKey}) so that an id
     * one node issued is accepted by every other. One socket, or {@code instances} sharing the port
     * where the native transport gives SO_REUSEPORT. Answers the UDP port and the front end (its counts).
     */
    public static Future<UdpDeployment> deployUdp(Vertx vertx, HazelcastInstance hazelcast, TrackerSettings settings,
                                            int instances, PeerRegistry registry) {
        int port;
        try {
            port = settings.udpPort() > 0 ? settings.udpPort() : freeUdpPort(settings.host());
        } catch (java.io.IOException e) {
            return Future.failedFuture(e);
        }
        AnnounceService service = new AnnounceService(registry, new AnnounceService.Policy(
                settings.intervalSeconds(), settings.minIntervalSeconds(), settings::allowed, settings::allowed));
        boolean shared = vertx.isNativeTransportEnabled();
        return ConnectionIdKey.shared(vertx, hazelcast).compose(key -> {
                    UdpTracker tracker = new UdpTracker(service, new ConnectionIds(key));
                    byte[][] current = {key};
                    vertx.setPeriodic(ConnectionIdKey.REFRESH_MILLIS, t -> ConnectionIdKey.shared(vertx, hazelcast)
                            .onSuccess(latest -> {
                                if (!java.util.Arrays.equals(latest, current[0])) {
                                    current[0] = latest;
                                    tracker.rekey(new ConnectionIds(latest));
                                }
                            })
                            .onFailure(e -> LOG.debug("connection id key not read: {}", e.toString())));
                    return vertx.deployVerticle(() -> new UdpTrackerVerticle(settings.host(), port, tracker, shared),
                            new DeploymentOptions().setInstances(shared ? Math.max(1, instances) : 1)).map(id -> tracker);
                })
                .recover(e -> Future.failedFuture(new java.io.IOException("cannot serve UDP on " + settings.host() + ":" + port
                        + ": " + e.getMessage(), e)))
                .map(tracker -> new UdpDeployment(port, tracker));
    }

    /**
     * The tracker's DHT node (BEP 5) on a UDP socket of its own ({@code --dht-port}): its
     * {@code get_peers} answers come from the registry and its {@code announce_peer}s go into it
     * ({@link RegistryPeerStorage}), under the same policy and caps as HTTP and UDP announces. It
     * joins through the named bootstrap nodes and the DHT nodes of the other cluster members, then
     * tells the cluster where it listens, so members that start later join through it; every
     * {@link #CLUSTER_DHT_PING_MILLIS} it pings the other members' nodes, so members that started at
     * the same moment (and read an empty list) still meet.
     */
    public static Future<DhtService> startDht(Vertx vertx, HazelcastInstance hazelcast, TrackerSettings settings,
                                              DhtService.Settings dht, PeerRegistry registry) {
        AnnounceService service = new AnnounceService(registry, new AnnounceService.Policy(
                settings.intervalSeconds(), settings.minIntervalSeconds(), settings::allowed, settings::allowed));
        RegistryPeerStorage storage = new RegistryPeerStorage(service, registry, RegistryPeerStorage.DEFAULT_PEERS_PER_REPLY);
        return ClusterDhtNodes.others(vertx, hazelcast)
                .recover(e -> {
                    LOG.warn("DHT nodes of the cluster not read ({}): joining through the named ones only", e.toString());
                    return Future.succeededFuture(java.util.List.of());
                })
                .compose(members -> DhtService.start(vertx, dht.withMoreBootstrap(members), storage))
                .compose(service1 -> ClusterDhtNodes.publish(vertx, hazelcast, dht.host(), service1.port())
                        .map(address -> {
                            LOG.info("tracker DHT node on UDP {}, answering from the registry", address);
                            // Members that started with us, or after us, are pinged into the table: an answer adds a node.
                            long pinger = vertx.setPeriodic(CLUSTER_DHT_PING_MILLIS, t -> ClusterDhtNodes.others(vertx, hazelcast)
                                    .onSuccess(others -> others.forEach(service1.node()::ping)));
                            service1.beforeClose(() -> {
                                vertx.cancelTimer(pinger);
                                return ClusterDhtNodes.withdraw(vertx, hazelcast);
                            });
                            return service1;
                        })
                        .recover(e -> {
                            LOG.warn("DHT address not shared with the cluster: {}", e.toString());
                            return Future.succeededFuture(service1);
                        }));
    }

    /** A deployed UDP tracker: its port and its front end. */
    public record UdpDeployment(int port, UdpTracker tracker) {
    }

    private static int freeUdpPort(String host) throws java.io.IOException {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, java.net.InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }

    /** Port 0 asks for any free port; all instances must then agree on one, so it is chosen here. */
    private static int freePort(String host) throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    /** The announce URL as printed at start-up. */
    public String announceUrl() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + h + ":" + port + "/announce";
    }

    /** The UDP tracker's port, or -1 when it runs none. */
    public int udpPort() {
        return udpPort;
    }

    /** The UDP announce URL, or null when the node runs no UDP tracker. */
    public String udpAnnounceUrl() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return udpPort < 0 ? null : "udp://" + h + ":" + udpPort + "/announce";
    }

    /** The DHT's UDP port, or -1 when the node runs none ({@code --no-dht}). */
    public int dhtPort() {
        DhtService d = dht;
        return d == null ? -1 : d.port();
    }

    /** The node's DHT, or null with {@code --no-dht}. */
    public org.enjambre.dht.DhtNode dht() {
        DhtService d = dht;
        return d == null ? null : d.node();
    }

    public HazelcastInstance hazelcast() {
        return hazelcast;
    }

    public Vertx vertx() {
        return vertx;
    }

    /** Stops HTTP first, then leaves the cluster (Vert.x closes a member it made) or stops the lone member. */
    @Override
    public void close() throws Exception {
        try {
            DhtService d = dht;
            if (d != null) {
                await(d.close());
            }
            await(vertx.close());
        } finally {
            if (ownsHazelcast) {
                hazelcast.shutdown();
            }
        }
    }

    static <T> T await(Future<T> future) throws Exception {
        return Await.result(future, java.time.Duration.ofSeconds(START_TIMEOUT_SECONDS));
    }
}
