package org.enjambre.cli;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.enjambre.discovery.ManualSource;
import org.enjambre.metainfo.MagnetUri;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.net.PeerAddress;
import org.enjambre.node.DhtService;
import org.enjambre.node.MagnetDownload;
import org.enjambre.node.PeerVerticle;
import org.enjambre.storage.TorrentStorage;
import org.enjambre.swarm.EngineOptions;
import org.enjambre.swarm.StoragePieceStore;
import org.enjambre.swarm.TorrentEngine;
import org.enjambre.swarm.TorrentState;
import org.enjambre.tracker.client.AnnouncePolicy;
import org.enjambre.tracker.client.UdpTrackerSocket;

/**
 * What {@code seed} and {@code download} share: a Vert.x instance with a {@link PeerVerticle},
 * one torrent in it, its peer sources ({@code --peer}s, trackers), the status output, and a clean stop on
 * SIGINT/SIGTERM ({@code stopped} announced, exit 0).
 */
final class PeerRun implements AutoCloseable {
    /** Plain status lines when stdout is not a terminal. */
    static final long STATUS_INTERVAL_MILLIS = Long.getLong("enjambre.statusMillis", 5_000);
    /** Progress bar refresh on a terminal. */
    static final long BAR_INTERVAL_MILLIS = 500;
    /** How long closing may take before the process exits anyway. */
    static final long CLOSE_TIMEOUT_SECONDS = 10;

    private final Vertx vertx;
    private final PeerVerticle verticle;
    final TorrentEngine engine;
    private final CountDownLatch signalled;
    private volatile boolean closed;

    private final TorrentStorage storage;
    private final StoragePieceStore store;

    private final DhtService dht;

    private PeerRun(Vertx vertx, PeerVerticle verticle, TorrentEngine engine, TorrentStorage storage,
                    StoragePieceStore store, CountDownLatch signalled, DhtService dht) {
        this.signalled = signalled;
        this.dht = dht;
        this.store = store;
        this.vertx = vertx;
        this.verticle = verticle;
        this.engine = engine;
        this.storage = storage;
    }

    TorrentStorage storage() {
        return storage;
    }

    /** Starts the node, checks the data and starts the engine; the caller prints "listening on". */
    static PeerRun start(Metainfo metainfo, Path dataDir, boolean download, int port, long uploadRate)
            throws Exception {
        return start(metainfo, dataDir, download, port, uploadRate, 0);
    }

    /**
     * @param downloadRate bytes per second, 0 for none. Resume data lives under
     *                     {@code dataDir/.enjambre/}: a restart trusts it when the files match it.
     */
    static PeerRun start(Metainfo metainfo, Path dataDir, boolean download, int port, long uploadRate,
                         long downloadRate) throws Exception {
        return start(metainfo, dataDir, download, port, uploadRate, downloadRate, AnnouncePolicy.publicOnly());
    }

    /** @param policy which tracker addresses the torrent's announces may reach */
    static PeerRun start(Metainfo metainfo, Path dataDir, boolean download, int port, long uploadRate,
                         long downloadRate, AnnouncePolicy policy) throws Exception {
        return start(metainfo, dataDir, download, port, uploadRate, downloadRate, policy, DhtService.Settings.disabled());
    }

    /** @param dht the DHT node to run beside the torrent (its state kept under {@code dataDir/.enjambre/}) */
    static PeerRun start(Metainfo metainfo, Path dataDir, boolean download, int port, long uploadRate,
                         long downloadRate, AnnouncePolicy policy, DhtService.Settings dht) throws Exception {
        Vertx vertx = Vertx.vertx(PeerVerticle.vertxOptions());
        try {
            PeerVerticle verticle = new PeerVerticle("0.0.0.0", port).announcePolicy(policy);
            await(vertx.deployVerticle(verticle));
            DhtService dhtService = startDht(vertx, verticle, dht, dataDir);
            TorrentStorage storage = TorrentStorage.open(metainfo.info(), dataDir);
            EngineOptions options = EngineOptions.defaults().withUploadRate(uploadRate).withDownloadRate(downloadRate);
            Path resume = download ? org.enjambre.storage.ResumeData.defaultPath(dataDir, metainfo.infoHash()) : null;
            StoragePieceStore store = new StoragePieceStore(storage, download, metainfo.infoHash(), resume);
            TorrentEngine engine = await(verticle.addTorrent(metainfo, store, options));
            return new PeerRun(vertx, verticle, engine, storage, store, new CountDownLatch(1), dhtService);
        } catch (Exception e) {
            vertx.close().toCompletionStage().toCompletableFuture().get(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * The DHT beside the torrents, on the node's one UDP socket that {@code udp://} trackers share too;
     * null when {@code dht} is disabled. State kept under {@code dataDir/.enjambre/} unless given.
     */
    private static DhtService startDht(Vertx vertx, PeerVerticle verticle, DhtService.Settings dht, Path dataDir)
            throws Exception {
        if (!dht.enabled()) {
            return null;
        }
        DhtService service = await(DhtService.start(vertx, dht.stateFile() != null ? dht
                : dht.withStateFile(dataDir.resolve(".enjambre").resolve("dht.state"))));
        verticle.dht(service.node(), service.port()).udpTrackerSocket(UdpTrackerSocket.over(vertx, service.endpoint()));
        return service;
    }

    /**
     * Starts the node for a magnet link, prints "listening on", and waits while the metadata is fetched
     * from the magnet's peers, its trackers and {@code peers} ("fetching metadata (N peers)"); then the
     * {@code .torrent} is in {@code dataDir} and the engine runs as for {@link #start}. SIGINT/SIGTERM
     * are trapped from the start.
     *
     * @param timeoutSeconds give up (an exception saying so) when no metadata came by then; 0 = never
     * @return null when a signal came before the metadata
     */
    static PeerRun startMagnet(MagnetUri magnet, Path dataDir, int port, long uploadRate, long downloadRate,
                               AnnouncePolicy policy, ManualSource peers, long timeoutSeconds, PrintStream out,
                               DhtService.Settings dht)
            throws Exception {
        CountDownLatch signalled = new CountDownLatch(1);
        Signals.onStop(signalled::countDown);
        Vertx vertx = Vertx.vertx(PeerVerticle.vertxOptions());
        PeerVerticle verticle = new PeerVerticle("0.0.0.0", port).announcePolicy(policy);
        DhtService dhtService = null;
        try {
            await(vertx.deployVerticle(verticle));
            dhtService = startDht(vertx, verticle, dht, dataDir);
            out.println("listening on " + verticle.actualPort());
            if (dhtService != null) {
                out.println("dht on udp " + dhtService.port());
            }
            EngineOptions options = EngineOptions.defaults().withUploadRate(uploadRate).withDownloadRate(downloadRate);
            TorrentStorage[] storage = new TorrentStorage[1];
            StoragePieceStore[] store = new StoragePieceStore[1];
            // The --peer addresses join the magnet's own x.pe peers, so that they are there from the start.
            List<PeerAddress> allPeers = new ArrayList<>(magnet.peers());
            peers.peers().stream().filter(p -> !allPeers.contains(p)).forEach(allPeers::add);
            MagnetUri withPeers = new MagnetUri(magnet.infoHash(), magnet.displayName(), magnet.trackers(), allPeers);
            MagnetDownload download = await(MagnetDownload.start(vertx, verticle, withPeers, options, dataDir, metainfo -> {
                storage[0] = TorrentStorage.open(metainfo.info(), dataDir);
                store[0] = new StoragePieceStore(storage[0], true, metainfo.infoHash(),
                        org.enjambre.storage.ResumeData.defaultPath(dataDir, metainfo.infoHash()));
                return store[0];
            }));
            CompletableFuture<TorrentEngine> engine = download.engine().toCompletionStage().toCompletableFuture();
            long deadline = timeoutSeconds > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds) : Long.MAX_VALUE;
            long interval = System.console() != null ? BAR_INTERVAL_MILLIS : STATUS_INTERVAL_MILLIS;
            String name = magnet.displayName() != null ? magnet.displayName() : magnet.infoHash().hex();
            out.println("fetching metadata for " + name + " (" + download.metadataPeers() + " peers)");
            out.flush();
            while (true) {
                try {
                    TorrentEngine started = engine.get(interval, TimeUnit.MILLISECONDS);
                    out.println("metadata received: " + started.metainfo().info().name() + ", "
                            + started.metainfo().info().pieceCount() + " pieces; .torrent written to "
                            + dataDir.resolve(started.metainfo().info().name() + ".torrent"));
                    return new PeerRun(vertx, verticle, started, storage[0], store[0], signalled, dhtService);
                } catch (TimeoutException notYet) {
                    if (signalled.getCount() == 0) {
                        close(vertx, verticle, dhtService);
                        return null;
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("no metadata for " + name + " after " + timeoutSeconds
                                + " s (" + download.metadataPeers() + " peers connected): no peer gave it");
                    }
                    out.println("fetching metadata (" + download.metadataPeers() + " peers)");
                    out.flush();
                } catch (ExecutionException e) {
                    throw new IllegalStateException("magnet failed: " + Main.describe(e.getCause()), e.getCause());
                }
            }
        } catch (Exception e) {
            close(vertx, verticle, dhtService);
            throw e;
        }
    }

    /** Stops the torrents, then the DHT (its state saved), then Vert.x, bounded in time. */
    private static void close(Vertx vertx, PeerVerticle verticle, DhtService dht) {
        try {
            verticle.removeAll().transform(ar -> dht == null ? Future.succeededFuture() : dht.close())
                    .transform(ar -> vertx.close()).toCompletionStage().toCompletableFuture()
                    .get(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            // Exiting anyway: nothing fetched is worth saving before the metadata.
        }
    }

    /** Whether resume data was trusted at start, or why the data was rechecked. */
    String recheckOutcome() {
        return store.recheckOutcome();
    }

    int port() {
        return verticle.actualPort();
    }

    /** The DHT's UDP port, or 0 without a DHT. */
    int dhtPort() {
        return dht == null ? 0 : dht.port();
    }

    /**
     * Hands the peers the user named to the engine as a {@link ManualSource}; an unreachable one
     * is logged and redialled, not fatal.
     */
    void addPeers(ManualSource peers) {
        verticle.addSource(engine.metainfo().infoHash(), peers);
    }

    /** SIGINT and SIGTERM release {@link #awaitSignal}/{@link #awaitCompletion} instead of killing the JVM. */
    void trapSignals() {
        Signals.onStop(signalled::countDown);
    }

    boolean signalled() {
        return signalled.getCount() == 0;
    }

    /** Blocks the main thread (never an event loop) until a signal. */
    void awaitSignal(Status status) throws InterruptedException {
        while (!signalled.await(status.intervalMillis(), TimeUnit.MILLISECONDS)) {
            status.print(false);
        }
    }

    /**
     * Blocks until every piece is verified (true), a signal (false) or the timeout (exception).
     *
     * @param timeoutSeconds 0 for none
     */
    boolean awaitCompletion(Status status, long timeoutSeconds) throws Exception {
        CompletableFuture<Void> done = engine.completion().toCompletionStage().toCompletableFuture();
        long deadline = timeoutSeconds > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds) : Long.MAX_VALUE;
        while (true) {
            try {
                done.get(status.intervalMillis(), TimeUnit.MILLISECONDS);
                return true;
            } catch (TimeoutException notYet) {
                if (signalled()) {
                    return false;
                }
                if (System.nanoTime() > deadline) {
                    status.print(true);
                    throw new IllegalStateException(String.format(Locale.ROOT,
                            "timed out after %d s with %.1f%% verified", timeoutSeconds, engine.state().progress() * 100));
                }
                status.print(false);
            } catch (ExecutionException e) {
                throw new IllegalStateException("download failed: " + Main.describe(e.getCause()), e.getCause());
            }
        }
    }

    /** Announces {@code stopped}, closes every connection and Vert.x, bounded in time. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Exiting anyway if it takes too long: nothing left to save (pieces are verified on disk as they come).
        close(vertx, verticle, dht);
    }

    static <T> T await(Future<T> future) throws Exception {
        return org.enjambre.node.Await.result(future, java.time.Duration.ofMinutes(5));
    }

    /** The status output: a bar on a terminal, a plain line every few seconds otherwise. */
    static final class Status {
        private final TorrentState state;
        private final PrintStream out;
        private final boolean terminal;
        private final String verb;
        private long lastBytes;
        private long lastNanos = System.nanoTime();
        private long lastPrintNanos;
        private double rate;

        Status(TorrentState state, PrintStream out, boolean terminal, String verb) {
            this.state = state;
            this.out = out;
            this.terminal = terminal;
            this.verb = verb;
            this.lastBytes = counter();
        }

        long intervalMillis() {
            return terminal ? BAR_INTERVAL_MILLIS : STATUS_INTERVAL_MILLIS;
        }

        private long counter() {
            return verb.equals("seeding") ? state.uploaded() : state.downloaded();
        }

        void print(boolean force) {
            long now = System.nanoTime();
            long bytes = counter();
            double seconds = (now - lastNanos) / 1e9;
            if (seconds > 0.2) {
                double instant = (bytes - lastBytes) / seconds;
                rate = rate == 0 ? instant : 0.5 * rate + 0.5 * instant;
                lastBytes = bytes;
                lastNanos = now;
            }
            if (!terminal && !force && now - lastPrintNanos < TimeUnit.MILLISECONDS.toNanos(STATUS_INTERVAL_MILLIS) - 50_000_000L) {
                return;
            }
            lastPrintNanos = now;
            double progress = state.progress();
            // Below 1 KiB/s the decaying average means "stalled", not an ETA of years.
            String eta = rate >= 1024 && !state.complete() ? duration((long) (state.left() / rate)) : "-";
            String numbers = String.format(Locale.ROOT, "%5.1f%% %s/%s %s/s ETA %s peers %d up %s pieces %d/%d",
                    progress * 100, size(state.totalLength() - state.left()), size(state.totalLength()),
                    size((long) rate), eta, state.peers(), size(state.uploaded()), state.verifiedCount(),
                    state.pieceCount());
            if (terminal) {
                int width = 30;
                int filled = (int) Math.round(progress * width);
                out.print("\r[" + "#".repeat(filled) + ".".repeat(width - filled) + "] " + numbers + "   ");
            } else {
                out.println(verb + " " + numbers);
            }
            out.flush();
        }

        void finish() {
            if (terminal) {
                print(true);
                out.println();
            }
        }

        static String size(long bytes) {
            if (bytes < 1024) {
                return bytes + " B";
            }
            String[] units = {"KiB", "MiB", "GiB", "TiB"};
            double v = bytes;
            int u = -1;
            while (v >= 1024 && u < units.length - 1) {
                v /= 1024;
                u++;
            }
            return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
        }

        static String duration(long seconds) {
            return seconds >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                    : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
        }
    }
}
