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
import org.enjambre.ext.TorrentMetadata;
import org.enjambre.net.PeerOrigin;
import org.enjambre.wire.ext.PexMessage;
import org.enjambre.metainfo.InfoHash;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.net.ConnectionSlots;
import org.enjambre.net.NativeTransport;
import org.enjambre.swarm.EngineClock;
import org.enjambre.swarm.EngineOptions;
import org.enjambre.swarm.IncomingConnections;
import org.enjambre.swarm.PeerPortLimits;
import org.enjambre.swarm.PieceStore;
import org.enjambre.swarm.TorrentEngine;
import org.enjambre.swarm.TorrentState;
import org.enjambre.discovery.ManualSource;
import org.enjambre.discovery.PeerSink;
import org.enjambre.discovery.PeerSource;
import org.enjambre.metainfo.MagnetUri;
import org.enjambre.net.PeerAddress;
import org.enjambre.net.PeerOrigin;
import org.enjambre.swarm.MetadataSwarm;
import org.enjambre.wire.ext.MetadataMessage;
import org.enjambre.discovery.TrackerSource;
import org.enjambre.tracker.client.AnnouncePolicy;
import org.enjambre.tracker.client.Announcer;
import org.enjambre.tracker.client.TrackerClient;
import org.enjambre.tracker.client.TrackerTiers;
import org.enjambre.tracker.client.UdpTrackerSocket;
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
     * Options for a Vert.x instance that hosts peers: the storage workers, and Netty's native transport
     * (epoll on Linux x86-64, NIO where it is missing; see {@link NativeTransport}).
     */
    public static VertxOptions vertxOptions() {
        return NativeTransport.prefer(new VertxOptions().setWorkerPoolSize(STORAGE_THREADS));
    }

    /**
     * The kernel's send buffer for peer sockets: large enough for a fast loopback link. The receive
     * side is left to the kernel's autotuning ({@code tcp_rmem}), which widens a busy connection's
     * window beyond a fixed size: with a fixed 1 MiB a libtorrent seeder took 5.5-5.9 s to send
     * us 1 GiB, with autotuning 5.2-5.3 s (bench/RESULTS.md, "The receive window").
     */
    static final int SOCKET_BUFFER_BYTES = 1024 * 1024;
    /**
     * The send side's, {@link #SOCKET_BUFFER_BYTES} unless {@code -Denjambre.peerSendBufferBytes=N}
     * says otherwise (0: the kernel's own sizing, which grows to {@code tcp_wmem}'s maximum): a knob
     * for measuring a seeder's socket buffer.
     */
    static final int SEND_BUFFER_BYTES = Integer.getInteger("enjambre.peerSendBufferBytes", SOCKET_BUFFER_BYTES);

    private final String host;
    private final int port;
    private final byte[] peerId = PeerId.generate();

    private final Map<InfoHash, TorrentEngine> engines = new ConcurrentHashMap<>();
    /** Magnet links whose metadata has not come yet. */
    private final Map<InfoHash, MetadataSwarm> magnets = new ConcurrentHashMap<>();
    private final Map<InfoHash, List<PeerSource>> sources = new ConcurrentHashMap<>();
    private volatile org.enjambre.swarm.RateLimiter nodeUpload;
    private volatile org.enjambre.swarm.RateLimiter nodeDownload;
    private PeerPortLimits incomingLimits = PeerPortLimits.defaults();
    private volatile AnnouncePolicy announcePolicy = AnnouncePolicy.publicOnly();
    private volatile Announcer.Options announcing = Announcer.Options.defaults();
    /** The node's shared UDP socket for udp:// trackers, when it has one (the DHT's). */
    private volatile UdpTrackerSocket sharedUdpTrackers;
    /** A socket of the verticle's own for udp:// trackers, opened when a torrent first needs one. */
    private UdpTrackerSocket ownUdpTrackers;
    private volatile org.enjambre.dht.DhtNode dht;
    private volatile org.enjambre.discovery.DhtSource.Timing dhtTiming;
    private volatile int dhtPort;
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
        NetClientOptions clientOptions = new NetClientOptions().setConnectTimeout(10_000).setTcpNoDelay(true);
        NetServerOptions serverOptions = new NetServerOptions().setTcpNoDelay(true);
        if (SEND_BUFFER_BYTES > 0) {
            clientOptions.setSendBufferSize(SEND_BUFFER_BYTES);
            serverOptions.setSendBufferSize(SEND_BUFFER_BYTES);
        }
        client = vertx.createNetClient(clientOptions);
        incoming = new IncomingConnections(vertx, this::adopterOf, this::hostedInfoHashes, incomingLimits);
        server = vertx.createNetServer(serverOptions).connectHandler(incoming::accept);
        return server.listen(port, host);
    }

    @Override
    public Future<?> stop() {
        return removeAll().transform(ar -> server.close())
                .transform(ar -> client.close())
                .transform(ar -> ownUdpTrackers != null ? ownUdpTrackers.close() : Future.succeededFuture())
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

    /** Timing of the announces of torrents added afterwards (retries, floor between announces). */
    public PeerVerticle announcing(Announcer.Options options) {
        announcing = java.util.Objects.requireNonNull(options, "options");
        return this;
    }

    /**
     * Announces to {@code udp://} trackers over the node's shared UDP socket (the DHT's) rather than
     * a socket of the verticle's own; applies to torrents added afterwards.
     */
    public PeerVerticle udpTrackerSocket(UdpTrackerSocket socket) {
        sharedUdpTrackers = java.util.Objects.requireNonNull(socket, "socket");
        return this;
    }

    /** The socket every torrent's {@code udp://} announces share (one connection-id cache per node). */
    private synchronized UdpTrackerSocket udpTrackers() {
        if (sharedUdpTrackers != null) {
            return sharedUdpTrackers;
        }
        if (ownUdpTrackers == null) {
            ownUdpTrackers = UdpTrackerSocket.own(vertx);
        }
        return ownUdpTrackers;
    }

    /**
     * The node's DHT: every torrent added afterwards is announced on it and finds peers through it,
     * except private ones (BEP 27); peers that set the DHT bit are told its UDP port (BEP 5 {@code port})
     * and the port they tell us is pinged.
     */
    public PeerVerticle dht(org.enjambre.dht.DhtNode node, int udpPort) {
        return dht(node, udpPort, org.enjambre.discovery.DhtSource.Timing.defaults());
    }

    /** As {@link #dht(org.enjambre.dht.DhtNode, int)}, with the announce timing given (tests look again sooner). */
    public PeerVerticle dht(org.enjambre.dht.DhtNode node, int udpPort, org.enjambre.discovery.DhtSource.Timing timing) {
        dht = node;
        dhtPort = udpPort;
        dhtTiming = timing;
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
        if (engines.containsKey(metainfo.infoHash()) || magnets.containsKey(metainfo.infoHash())) {
            return Future.failedFuture("torrent " + metainfo.infoHash().hex() + " is already hosted");
        }
        // The hook sends the extended handshake (m, v, p, reqq, yourip, metadata_size) that BEP 10 peers
        // such as libtorrent wait for before they say interested; ut_metadata serves the info dictionary.
        ExtensionRegistry registry = new ExtensionRegistry(
                ExtensionRegistry.LocalInfo.of(OptionalInt.of(actualPort()), options.maxUploadQueue()));
        TorrentMetadata.known(metainfo.infoBytes(), EngineClock.of(vertx)).register(registry);
        if (!metainfo.info().isPrivate()) { // BEP 27: a private torrent's peers come from its tracker only
            registry.register(PexMessage.NAME,
                    new PeerExchange(a -> engine.addPeer(a, PeerOrigin.PEX), System::nanoTime).factory());
        }
        // Peers are routed to the engine only once its data is checked, so that its first bitfield is true.
        org.enjambre.swarm.PeerExtensions hook = new ExtensionHook(registry);
        if (dht != null) {
            hook = new DhtPortExtensions(hook, context, dht, dhtPort);
        }
        return engine.extensions(hook).compose(x -> engine.start()).compose(v -> {
            if (engines.putIfAbsent(metainfo.infoHash(), engine) != null) {
                return engine.stop().compose(x -> Future.failedFuture(
                        "torrent " + metainfo.infoHash().hex() + " is already hosted"));
            }
            startAnnouncer(engine);
            org.enjambre.dht.DhtNode node = dht;
            if (node != null && !metainfo.info().isPrivate()) {
                addSource(metainfo.infoHash(), new org.enjambre.discovery.DhtSource(vertx, node, metainfo.infoHash(),
                        actualPort(), dhtTiming));
            }
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
                        TrackerClient.Options.defaults().withPolicy(announcePolicy).withUdpSocket(udpTrackers())),
                () -> new TransferStats(state.uploaded(), state.downloaded(), state.left()),
                announcing);
        addSource(metainfo.infoHash(), trackers);
        if (!wasComplete) {
            engine.completion().onSuccess(v -> trackers.completed());
        }
    }

    /** The torrents and magnets hosted now (an encrypted greeting names one of them by hash). */
    private java.util.List<InfoHash> hostedInfoHashes() {
        var all = new java.util.ArrayList<InfoHash>(engines.keySet());
        all.addAll(magnets.keySet());
        return all;
    }

    /** Who takes an incoming connection for {@code infoHash}: its engine, or its magnet's metadata swarm. */
    private IncomingConnections.Adopter adopterOf(InfoHash infoHash) {
        TorrentEngine engine = engines.get(infoHash);
        return engine != null ? engine : magnets.get(infoHash);
    }

    /**
     * Starts a peer source for a hosted torrent (or a magnet waiting for its metadata), its candidates
     * going to the torrent's engine or metadata swarm; the source stops with the torrent. Refused when
     * the torrent is not hosted.
     */
    public void addSource(InfoHash infoHash, PeerSource source) {
        PeerSink sink = engines.containsKey(infoHash) ? engines.get(infoHash)::addPeer
                : magnets.containsKey(infoHash) ? magnets.get(infoHash)::addPeer : null;
        if (sink == null) {
            throw new IllegalStateException("torrent " + infoHash.hex() + " is not hosted");
        }
        sources.computeIfAbsent(infoHash, h -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(source);
        source.start(sink);
    }

    /**
     * Hosts a magnet link until its metadata comes: a {@link MetadataSwarm} whose connections fetch it
     * with ut_metadata ({@code metadata}), fed by the magnet's {@code x.pe} peers and trackers. Call
     * {@link #removeMagnet} when the metadata came (or to give up), then {@link #addTorrent}.
     */
    public Future<MetadataSwarm> addMagnet(MagnetUri magnet, TorrentMetadata metadata, EngineOptions options) {
        InfoHash infoHash = magnet.infoHash();
        if (engines.containsKey(infoHash) || magnets.containsKey(infoHash)) {
            return Future.failedFuture("torrent " + infoHash.hex() + " is already hosted");
        }
        MetadataSwarm swarm = new MetadataSwarm(vertx, context, infoHash,
                magnet.displayName() != null ? magnet.displayName() : infoHash.hex(), peerId, client, options);
        ExtensionRegistry registry = new ExtensionRegistry(
                ExtensionRegistry.LocalInfo.of(OptionalInt.of(actualPort()), options.maxUploadQueue()));
        metadata.register(registry);
        if (magnets.putIfAbsent(infoHash, swarm) != null) {
            return Future.failedFuture("torrent " + infoHash.hex() + " is already hosted");
        }
        return swarm.extensions(new ExtensionHook(registry)).compose(x -> swarm.start()).map(v -> {
            addSource(infoHash, new ManualSource(magnet.peers()));
            if (!magnet.trackers().isEmpty()) {
                // Left is unknown before the metadata: one block, so that trackers count us as a leecher.
                addSource(infoHash, new TrackerSource(vertx,
                        new TrackerClient(vertx, TrackerTiers.of(magnet.trackers().get(0),
                                magnet.trackers().stream().map(List::of).toList()),
                                infoHash.bytes(), peerId, actualPort(),
                                TrackerClient.Options.defaults().withPolicy(announcePolicy).withUdpSocket(udpTrackers())),
                        () -> new TransferStats(0, 0, MetadataMessage.PIECE_LENGTH), announcing));
            }
            org.enjambre.dht.DhtNode node = dht;
            if (node != null) {
                // A magnet with no tracker and no x.pe finds its first peers here (and announces us).
                addSource(infoHash, new org.enjambre.discovery.DhtSource(vertx, node, infoHash, actualPort(), dhtTiming));
            }
            return swarm;
        });
    }

    /** The metadata swarm of a magnet still waiting for its metadata, or null. */
    public MetadataSwarm magnet(InfoHash infoHash) {
        return magnets.get(infoHash);
    }

    /**
     * Stops a magnet's peer sources and metadata swarm; the result is every peer candidate it had, for
     * the engine that takes over.
     */
    public Future<Map<PeerAddress, PeerOrigin>> removeMagnet(InfoHash infoHash) {
        MetadataSwarm swarm = magnets.remove(infoHash);
        List<PeerSource> stopping = sources.remove(infoHash);
        Future<Void> stopped = stopping == null ? Future.succeededFuture()
                : Future.join(stopping.stream().map(PeerSource::stop).toList()).mapEmpty();
        return stopped.compose(v -> swarm == null ? Future.succeededFuture(Map.of()) : swarm.stop());
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
        List<Future<?>> all = new java.util.ArrayList<>();
        for (InfoHash h : List.copyOf(magnets.keySet())) {
            all.add(removeMagnet(h));
        }
        for (InfoHash h : List.copyOf(engines.keySet())) {
            all.add(removeTorrent(h));
        }
        return Future.join(all).mapEmpty();
    }

    public TorrentEngine engine(InfoHash infoHash) {
        return engines.get(infoHash);
    }
}
