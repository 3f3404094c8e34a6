package org.enjambre.node;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.VertxOptions;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import org.enjambre.ext.ExtensionHook;
import org.enjambre.ext.ExtensionRegistry;
import org.enjambre.ext.PeerExchange;
import org.enjambre.net.PeerOrigin;
import org.enjambre.wire.ext.PexMessage;
import org.enjambre.metainfo.InfoHash;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.net.ConnectionSlots;
import org.enjambre.swarm.EngineOptions;
import org.enjambre.swarm.IncomingConnections;
import org.enjambre.swarm.PeerPortLimits;
import org.enjambre.swarm.PieceStore;
import org.enjambre.swarm.TorrentEngine;
import org.enjambre.swarm.TorrentState;
import org.enjambre.discovery.PeerSource;
import org.enjambre.discovery.TrackerSource;
import org.enjambre.tracker.client.AnnouncePolicy;
import org.enjambre.tracker.client.Announcer;
import org.enjambre.tracker.client.TrackerClient;
import org.enjambre.tracker.client.TrackerTiers;
import org.enjambre.tracker.protocol.TransferStats;
import org.enjambre.wire.PeerId;

/**
 * Hosts any number of torrent engines behind one listening port: a {@code NetServer} whose
 * incoming connections are routed by the info-hash of their handshake, a {@code NetClient} for
 * outgoing ones, and the worker pool that storage runs on. One peer id for the node.
 */
public final class PeerVerticle extends VerticleBase {
    /** Threads for disk reads, writes and SHA-1: the network threads never touch the disk. */
    public static final int STORAGE_THREADS = Math.max(4, Runtime.getRuntime().availableProcessors() * 2);
    /**
     * Whether peer nodes ask Vert.x for Netty's native transport (epoll on Linux x86-64; NIO where
     * it is missing): {@code -Denjambre.nativeTransport=false} turns it off.
     */
    public static final boolean NATIVE_TRANSPORT =
            Boolean.parseBoolean(System.getProperty("enjambre.nativeTransport", "true"));

    /** Options for a Vert.x instance that hosts peers: the storage workers and the transport. */
    public static VertxOptions vertxOptions() {
        return new VertxOptions().setWorkerPoolSize(STORAGE_THREADS).setPreferNativeTransport(NATIVE_TRANSPORT);
    }

    /** Kernel socket buffers: large enough for a fast loopback link. */
    static final int SOCKET_BUFFER_BYTES = 1024 * 1024;

    private final String host;
    private final int port;
    private final byte[] peerId = PeerId.generate();

    private final Map<InfoHash, TorrentEngine> engines = new ConcurrentHashMap<>();
    private final Map<InfoHash, List<PeerSource>> sources = new ConcurrentHashMap<>();
    private volatile org.enjambre.swarm.RateLimiter nodeUpload;
    private volatile org.enjambre.swarm.RateLimiter nodeDownload;
    private PeerPortLimits incomingLimits = PeerPortLimits.defaults();
    private volatile AnnouncePolicy announcePolicy = AnnouncePolicy.publicOnly();
    private IncomingConnections incoming;
    private NetServer server;
    private NetClient client;
    private WorkerExecutor workers;

    /** @param port 0 for any free port */
    public PeerVerticle(String host, int port) {
        this.host = host;
        this.port = port;
    }

    @Override
    public Future<?> start() {
        workers = vertx.createSharedWorkerExecutor("enjambre-storage-" + System.identityHashCode(this), STORAGE_THREADS);
        client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(10_000).setTcpNoDelay(true)
                .setReceiveBufferSize(SOCKET_BUFFER_BYTES).setSendBufferSize(SOCKET_BUFFER_BYTES));
        incoming = new IncomingConnections(vertx, engines::get, incomingLimits);
        server = vertx.createNetServer(new NetServerOptions().setTcpNoDelay(true)
                .setReceiveBufferSize(SOCKET_BUFFER_BYTES).setSendBufferSize(SOCKET_BUFFER_BYTES))
                .connectHandler(incoming::accept);
        return server.listen(port, host);
    }

    @Override
    public Future<?> stop() {
        return removeAll().transform(ar -> server.close())
                .transform(ar -> client.close())
                .transform(ar -> workers.close());
    }

    /**
     * Limits the node as a whole (every torrent it hosts shares them), in bytes per second, 0 for
     * none; applies to torrents added afterwards.
     */
    public PeerVerticle nodeRateLimits(long uploadBytesPerSecond, long downloadBytesPerSecond) {
        nodeUpload = uploadBytesPerSecond > 0 ? new org.enjambre.swarm.RateLimiter(uploadBytesPerSecond) : null;
        nodeDownload = downloadBytesPerSecond > 0 ? new org.enjambre.swarm.RateLimiter(downloadBytesPerSecond) : null;
        return this;
    }

    /** The node-wide caps of the peer port (half-open, per address, handshake timeout); before deploying. */
    public PeerVerticle incomingLimits(PeerPortLimits limits) {
        incomingLimits = java.util.Objects.requireNonNull(limits, "limits");
        return this;
    }

    /**
     * Which tracker addresses this node's announces may reach (public ones only by default); applies
     * to torrents added afterwards.
     */
    public PeerVerticle announcePolicy(AnnouncePolicy policy) {
        announcePolicy = java.util.Objects.requireNonNull(policy, "policy");
        return this;
    }

    /** The peer port's slots and refusal counts (after deploying). */
    public ConnectionSlots incomingSlots() {
        return incoming.slots();
    }

    /** The port peers connect to (the real one when 0 was asked). */
    public int actualPort() {
        return server.actualPort();
    }

    public byte[] peerId() {
        return peerId.clone();
    }

    /**
     * Starts an engine for a torrent: its data is checked first (on the worker pool), then it
     * accepts peers. Fails if the torrent is already hosted or its data cannot be read.
     */
    public Future<TorrentEngine> addTorrent(Metainfo metainfo, PieceStore store, EngineOptions options) {
        TorrentEngine engine = new TorrentEngine(vertx, context, metainfo, peerId, store, workers, client, options,
                nodeUpload, nodeDownload);
        if (engines.containsKey(metainfo.infoHash())) {
            return Future.failedFuture("torrent " + metainfo.infoHash().hex() + " is already hosted");
        }
        // The hook sends the extended handshake (m, v, p, reqq, yourip) that BEP 10 peers such as
        // libtorrent wait for before they say interested, with the extensions registered here.
        ExtensionRegistry registry = new ExtensionRegistry(
                ExtensionRegistry.LocalInfo.of(OptionalInt.of(actualPort()), options.maxUploadQueue()));
        if (!metainfo.info().isPrivate()) { // BEP 27: a private torrent's peers come from its tracker only
            registry.register(PexMessage.NAME,
                    new PeerExchange(a -> engine.addPeer(a, PeerOrigin.PEX), System::nanoTime).factory());
        }
        // Peers are routed to the engine only once its data is checked, so that its first bitfield is true.
        return engine.extensions(new ExtensionHook(registry)).compose(x -> engine.start()).compose(v -> {
            if (engines.putIfAbsent(metainfo.infoHash(), engine) != null) {
                return engine.stop().compose(x -> Future.failedFuture(
                        "torrent " + metainfo.infoHash().hex() + " is already hosted"));
            }
            startAnnouncer(engine);
            return Future.succeededFuture(engine);
        });
    }

    /**
     * Announces to the torrent's trackers (if it has any): {@code started} now, {@code completed}
     * when the last piece is verified (only if it was missing at start), peers from each answer
     * handed to the engine.
     */
    private void startAnnouncer(TorrentEngine engine) {
        Metainfo metainfo = engine.metainfo();
        if (metainfo.trackers().isEmpty()) {
            return;
        }
        TorrentState state = engine.state();
        boolean wasComplete = state.complete();
        TrackerSource trackers = new TrackerSource(vertx,
                new TrackerClient(vertx, TrackerTiers.of(metainfo.announce(), metainfo.announceList()),
                        metainfo.infoHash().bytes(), peerId, actualPort(),
                        TrackerClient.Options.defaults().withPolicy(announcePolicy)),
                () -> new TransferStats(state.uploaded(), state.downloaded(), state.left()),
                Announcer.Options.defaults());
        addSource(metainfo.infoHash(), trackers);
        if (!wasComplete) {
            engine.completion().onSuccess(v -> trackers.completed());
        }
    }

    /**
     * Starts a peer source for a hosted torrent, its candidates going to the torrent's engine; the
     * source stops with the torrent. Refused when the torrent is not hosted.
     */
    public void addSource(InfoHash infoHash, PeerSource source) {
        TorrentEngine engine = engines.get(infoHash);
        if (engine == null) {
            throw new IllegalStateException("torrent " + infoHash.hex() + " is not hosted");
        }
        sources.computeIfAbsent(infoHash, h -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(source);
        source.start(engine::addPeer);
    }

    /** Stops the torrent's peer sources ({@code stopped} announced, bounded in time), then its engine. */
    public Future<Void> removeTorrent(InfoHash infoHash) {
        TorrentEngine engine = engines.remove(infoHash);
        List<PeerSource> stopping = sources.remove(infoHash);
        Future<Void> stopped = stopping == null ? Future.succeededFuture()
                : Future.join(stopping.stream().map(PeerSource::stop).toList()).mapEmpty();
        return stopped.compose(v -> engine == null ? Future.succeededFuture() : engine.stop());
    }

    /** Stops every torrent: {@code stopped} announces, then engines (for SIGINT/SIGTERM). */
    public Future<Void> removeAll() {
        List<Future<Void>> all = new java.util.ArrayList<>();
        for (InfoHash h : List.copyOf(engines.keySet())) {
            all.add(removeTorrent(h));
        }
        return Future.join(all).mapEmpty();
    }

    public TorrentEngine engine(InfoHash infoHash) {
        return engines.get(infoHash);
    }
}
