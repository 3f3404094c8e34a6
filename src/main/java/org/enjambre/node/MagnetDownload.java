package org.enjambre.node;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.enjambre.ext.TorrentMetadata;
import org.enjambre.metainfo.MagnetUri;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.net.PeerAddress;
import org.enjambre.net.PeerOrigin;
import org.enjambre.swarm.EngineClock;
import org.enjambre.swarm.EngineOptions;
import org.enjambre.swarm.MetadataSwarm;
import org.enjambre.swarm.PieceStore;
import org.enjambre.swarm.TorrentEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A magnet link from start to finish on a {@link PeerVerticle}: a metadata swarm fetches the info
 * dictionary (ut_metadata, hash-checked); then the {@code .torrent} is written next to the data
 * ({@code DIR/<name>.torrent}, so that it can be seeded again), the metadata swarm stops, and an
 * engine starts on the same peers as for any {@code .torrent}.
 */
public final class MagnetDownload {
    private static final Logger LOG = LoggerFactory.getLogger(MagnetDownload.class);

    /** Opens the storage of the torrent once it is known (called on a worker thread). */
    @FunctionalInterface
    public interface StoreOpener {
        PieceStore open(Metainfo metainfo) throws Exception;
    }

    private final PeerVerticle verticle;
    private final MagnetUri magnet;
    private final TorrentMetadata metadata;
    private final Promise<TorrentEngine> engine = Promise.promise();
    private volatile MetadataSwarm swarm;
    private volatile boolean stopped;

    private MagnetDownload(PeerVerticle verticle, MagnetUri magnet, TorrentMetadata metadata) {
        this.verticle = verticle;
        this.magnet = magnet;
        this.metadata = metadata;
    }

    /**
     * Starts fetching the metadata of {@code magnet}; once it comes, writes {@code dataDir/<name>.torrent}
     * (if {@code dataDir} is not null), opens the store and starts the engine.
     */
    public static Future<MagnetDownload> start(Vertx vertx, PeerVerticle verticle, MagnetUri magnet,
                                               EngineOptions options, Path dataDir, StoreOpener stores) {
        TorrentMetadata metadata = TorrentMetadata.fetching(magnet.infoHash(), EngineClock.of(vertx));
        MagnetDownload download = new MagnetDownload(verticle, magnet, metadata);
        return verticle.addMagnet(magnet, metadata, options).map(swarm -> {
            download.swarm = swarm;
            metadata.completion()
                    .compose(bytes -> vertx.executeBlocking(() -> {
                        Metainfo metainfo = Metainfo.fromMetadata(magnet.infoHash(), bytes, magnet.trackers());
                        if (dataDir != null) {
                            writeTorrent(metainfo, dataDir);
                        }
                        return metainfo;
                    }))
                    .compose(metainfo -> download.switchToEngine(vertx, metainfo, options, stores))
                    .onComplete(download.engine);
            return download;
        });
    }

    private Future<TorrentEngine> switchToEngine(Vertx vertx, Metainfo metainfo, EngineOptions options,
                                                 StoreOpener stores) {
        if (stopped) {
            return Future.failedFuture("stopped");
        }
        LOG.info("{}: metadata received: {} ({} pieces), starting the download", magnet.infoHash().hex(),
                metainfo.info().name(), metainfo.info().pieceCount());
        return verticle.removeMagnet(magnet.infoHash()).compose(candidates ->
                vertx.executeBlocking(() -> stores.open(metainfo))
                        .compose(store -> verticle.addTorrent(metainfo, store, options))
                        .map(started -> {
                            for (Map.Entry<PeerAddress, PeerOrigin> c : candidates.entrySet()) {
                                started.addPeer(c.getKey(), c.getValue());
                            }
                            return started;
                        }));
    }

    /** Writes the torrent as {@code dir/<name>.torrent}, atomically: a crash never leaves half a file. */
    static Path writeTorrent(Metainfo metainfo, Path dir) throws java.io.IOException {
        Files.createDirectories(dir);
        Path target = dir.resolve(metainfo.info().name() + ".torrent");
        Path temporary = dir.resolve("." + metainfo.info().name() + ".torrent.part");
        Files.write(temporary, metainfo.encode());
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    public MagnetUri magnet() {
        return magnet;
    }

    /** Completes with the running engine once the metadata came and the data was checked. */
    public Future<TorrentEngine> engine() {
        return engine.future();
    }

    /** Peers connected for the metadata (0 once the engine took over). */
    public int metadataPeers() {
        MetadataSwarm s = swarm;
        return s == null || engine.future().isComplete() ? 0 : s.peers();
    }

    /** Whether the info dictionary has come (and was hash-checked). */
    public boolean hasMetadata() {
        return metadata.completion().isComplete();
    }

    /** Gives up the metadata phase (the engine, if it started, is the verticle's to remove). */
    public Future<Void> stop() {
        stopped = true;
        metadata.stop();
        return verticle.removeMagnet(magnet.infoHash()).mapEmpty();
    }
}
