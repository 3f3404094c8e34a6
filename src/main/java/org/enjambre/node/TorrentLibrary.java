package org.enjambre.node;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.enjambre.metainfo.InfoHash;
import org.enjambre.metainfo.MagnetUri;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.storage.TorrentStorage;
import org.enjambre.swarm.EngineOptions;
import org.enjambre.swarm.TorrentEngine;
import org.enjambre.web.ApiError;
import org.enjambre.web.TorrentHost;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The torrents a node hosts, and what makes them survive a restart: each added {@code .torrent}
 * is kept as {@code STATE/torrents/<infoHash>.torrent} and its verified pieces as resume data
 * ({@code STATE/resume/<infoHash>.resume}), saved by each engine while pieces are verified and at stop. At start every kept
 * torrent is added again; its data is trusted from the resume data when the files still match.
 * A magnet link is kept as {@code STATE/torrents/<infoHash>.magnet} until its metadata came, then as
 * a {@code .torrent} like any other.
 * The state folder lies outside the data folder (a torrent's files cannot name it); a torrent whose
 * content would reach it anyway (a state folder given inside the data folder) is refused.
 */
public final class TorrentLibrary implements TorrentHost {
    private static final Logger LOG = LoggerFactory.getLogger(TorrentLibrary.class);

    /** A kept magnet link's file name ends so. */
    static final String MAGNET_SUFFIX = ".magnet";

    /** A hosted torrent: its engine and the storage its resume data is taken from. */
    record Hosted(TorrentEngine engine, TorrentStorage storage) {
    }

    private final Vertx vertx;
    private final PeerVerticle peers;
    private final Path dataDir;
    private final Path stateDir;
    private final Path torrentsDir;
    private final EngineOptions options;
    private final Map<InfoHash, Hosted> hosted = new ConcurrentHashMap<>();
    /** Magnet links whose metadata has not come yet. */
    private final Map<InfoHash, MagnetDownload> magnets = new ConcurrentHashMap<>();
    /** Counters of removed torrents, so that the node's totals never go down. */
    private final AtomicLong retiredUploaded = new AtomicLong();
    private final AtomicLong retiredDownloaded = new AtomicLong();
    private final AtomicLong retiredVerified = new AtomicLong();
    private final AtomicLong retiredHashFailures = new AtomicLong();

    /** @param stateDir the node's own files ({@link NodeState#folder}), outside {@code dataDir} */
    public TorrentLibrary(Vertx vertx, PeerVerticle peers, Path dataDir, Path stateDir, long uploadRate) {
        this.vertx = vertx;
        this.peers = peers;
        this.dataDir = dataDir.toAbsolutePath().normalize();
        this.stateDir = stateDir.toAbsolutePath().normalize();
        this.torrentsDir = this.stateDir.resolve(NodeState.TORRENTS);
        this.options = EngineOptions.defaults().withUploadRate(uploadRate);
    }

    @Override
    public Path dataDir() {
        return dataDir;
    }

    @Override
    public Future<Added> host(Metainfo metainfo, byte[] torrent) {
        return add(metainfo, torrent).map(e -> new Added(e.infoHash(), metainfo.info().name(), e.state().progress(),
                e.state().complete()));
    }

    @Override
    public long hostedBytes() {
        return hosted.values().stream().mapToLong(h -> h.storage().info().totalLength()).sum();
    }

    /** Adds every kept torrent again (one that fails is logged and left out), then saves resume data periodically. */
    public Future<Integer> restore() {
        return vertx.executeBlocking(() -> {
            Files.createDirectories(torrentsDir);
            List<Path> files = new ArrayList<>();
            try (Stream<Path> list = Files.list(torrentsDir)) {
                list.filter(p -> p.getFileName().toString().endsWith(".torrent")
                        || p.getFileName().toString().endsWith(MAGNET_SUFFIX)).sorted().forEach(files::add);
            }
            return files;
        }, false).compose(files -> {
            List<Future<Boolean>> all = new ArrayList<>();
            for (Path file : files) {
                String fileName = file.getFileName().toString();
                if (fileName.endsWith(MAGNET_SUFFIX)
                        && files.contains(file.resolveSibling(fileName.replace(MAGNET_SUFFIX, ".torrent")))) {
                    continue; // the metadata came just before a crash: the .torrent is the truth
                }
                Future<?> started = file.getFileName().toString().endsWith(MAGNET_SUFFIX)
                        ? vertx.executeBlocking(() -> MagnetUri.parse(Files.readString(file).strip()), false)
                                .compose(this::startMagnet)
                        : vertx.executeBlocking(() -> Metainfo.read(file), false).compose(m -> start(m));
                all.add(started
                        .map(e -> true)
                        .recover(e -> {
                            LOG.warn("cannot host {} again: {}", file.getFileName(), e.getMessage());
                            return Future.succeededFuture(false);
                        }));
            }
            return Future.join(all).map(cf -> {
                return (int) all.stream().filter(f -> f.result()).count();
            });
        });
    }

    /**
     * Hosts a torrent given as {@code .torrent} bytes: data already under {@code --data} is checked
     * and seeded, what is missing is downloaded. Fails with {@link LibraryException} (bad torrent,
     * unsafe path, already hosted) or an I/O error.
     */
    public Future<TorrentEngine> add(byte[] torrent) {
        Metainfo metainfo;
        try {
            metainfo = Metainfo.parse(torrent);
        } catch (RuntimeException e) {
            return Future.failedFuture(new LibraryException(400, "not a valid .torrent: " + e.getMessage()));
        }
        return add(metainfo, torrent);
    }

    /** As {@link #add(byte[])} for a torrent already parsed ({@code torrent} its bytes, kept as they are). */
    public Future<TorrentEngine> add(Metainfo metainfo, byte[] torrent) {
        if (hosted.containsKey(metainfo.infoHash())) {
            return Future.failedFuture(new LibraryException(409, "torrent " + metainfo.infoHash().hex() + " is already hosted"));
        }
        Path file = torrentFile(metainfo.infoHash());
        return vertx.executeBlocking(() -> {
            Files.createDirectories(torrentsDir);
            Path tmp = Files.createTempFile(torrentsDir, "add", ".part");
            Files.write(tmp, torrent);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return null;
        }, false).compose(v -> start(metainfo)).recover(e -> vertx.executeBlocking(() -> {
            // Not hosted after all: do not bring it back at the next start.
            if (!(e instanceof LibraryException le && le.status() == 409)) {
                Files.deleteIfExists(file);
            }
            return null;
        }, false).transform(x -> Future.failedFuture(e)));
    }

    private Future<TorrentEngine> start(Metainfo metainfo) {
        TorrentStorage storage;
        try {
            storage = TorrentStorage.open(metainfo.info(), dataDir);
            NodeState.checkOutside(storage.contentPath(), stateDir);
        } catch (IOException e) {
            return Future.failedFuture(new LibraryException(400, "unsafe torrent: " + e.getMessage()));
        }
        Path resume = resumeFile(metainfo.infoHash());
        return peers.addTorrent(metainfo, new ResumingPieceStore(storage, resume, metainfo.infoHash()), options)
                .recover(e -> {
                    storage.close();
                    String m = String.valueOf(e.getMessage());
                    return Future.failedFuture(m.contains("already hosted") ? new LibraryException(409, m) : e);
                })
                .onSuccess(engine -> hosted.put(metainfo.infoHash(), new Hosted(engine, storage)));
    }

    @Override
    public Future<Added> hostMagnet(MagnetUri magnet) {
        InfoHash infoHash = magnet.infoHash();
        if (hosted.containsKey(infoHash) || magnets.containsKey(infoHash)) {
            return Future.failedFuture(new LibraryException(409, "torrent " + infoHash.hex() + " is already hosted"));
        }
        Path file = magnetFile(infoHash);
        return vertx.executeBlocking(() -> {
            Files.createDirectories(torrentsDir);
            Path tmp = Files.createTempFile(torrentsDir, "add", ".part");
            Files.writeString(tmp, magnet.toString());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return null;
        }, false).compose(v -> startMagnet(magnet)).map(d -> new Added(infoHash, nameOf(magnet), 0, false))
                .recover(e -> vertx.executeBlocking(() -> {
                    if (!(e instanceof LibraryException le && le.status() == 409)) {
                        Files.deleteIfExists(file);
                    }
                    return null;
                }, false).transform(x -> Future.failedFuture(
                        String.valueOf(e.getMessage()).contains("already hosted") ? new LibraryException(409, e.getMessage()) : e)));
    }

    /** The name a magnet goes by until its metadata comes: its {@code dn}, else its info-hash. */
    static String nameOf(MagnetUri magnet) {
        return magnet.displayName() != null && !magnet.displayName().isBlank() ? magnet.displayName()
                : magnet.infoHash().hex();
    }

    /**
     * Fetches a magnet's metadata; once it came the torrent is kept as a {@code .torrent} (its
     * {@code .magnet} file goes) and hosted as any other.
     */
    private Future<MagnetDownload> startMagnet(MagnetUri magnet) {
        InfoHash infoHash = magnet.infoHash();
        TorrentStorage[] storage = new TorrentStorage[1];
        return MagnetDownload.start(vertx, peers, magnet, options, null, metainfo -> {
            storage[0] = TorrentStorage.open(metainfo.info(), dataDir);
            try {
                NodeState.checkOutside(storage[0].contentPath(), stateDir);
                Files.createDirectories(torrentsDir);
                Path tmp = Files.createTempFile(torrentsDir, "add", ".part");
                Files.write(tmp, metainfo.encode());
                Files.move(tmp, torrentFile(infoHash), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                Files.deleteIfExists(magnetFile(infoHash));
            } catch (IOException e) {
                storage[0].close();
                throw e;
            }
            return new ResumingPieceStore(storage[0], resumeFile(infoHash), infoHash);
        }).onSuccess(download -> {
            magnets.put(infoHash, download);
            download.engine().onSuccess(engine -> {
                hosted.put(infoHash, new Hosted(engine, storage[0]));
                magnets.remove(infoHash, download);
            }).onFailure(e -> {
                if (magnets.remove(infoHash, download)) {
                    LOG.warn("magnet {} cannot be hosted: {}", infoHash.hex(), e.getMessage());
                }
            });
        });
    }

    /** The magnets still fetching their metadata. */
    public Collection<MagnetDownload> fetching() {
        return List.copyOf(magnets.values());
    }

    /** Stops hosting a torrent and forgets it (its data stays). Fails with 404 when it is not hosted. */
    public Future<Void> remove(InfoHash infoHash) {
        MagnetDownload magnet = magnets.remove(infoHash);
        if (magnet != null) {
            return magnet.stop().compose(v -> vertx.executeBlocking(() -> {
                Files.deleteIfExists(magnetFile(infoHash));
                return null;
            }, false));
        }
        Hosted h = hosted.remove(infoHash);
        if (h == null) {
            return Future.failedFuture(new LibraryException(404, "torrent " + infoHash.hex() + " is not hosted here"));
        }
        var s = h.engine().state();
        retiredUploaded.addAndGet(s.uploaded());
        retiredDownloaded.addAndGet(s.downloaded());
        retiredVerified.addAndGet(s.piecesVerified());
        retiredHashFailures.addAndGet(s.hashFailures());
        return peers.removeTorrent(infoHash).compose(v -> vertx.executeBlocking(() -> {
            Files.deleteIfExists(torrentFile(infoHash));
            Files.deleteIfExists(resumeFile(infoHash));
            return null;
        }, false));
    }

    public Collection<Hosted> hosted() {
        return List.copyOf(hosted.values());
    }

    public TorrentEngine engine(InfoHash infoHash) {
        Hosted h = hosted.get(infoHash);
        return h == null ? null : h.engine();
    }

    /**
     * Stops every engine ({@code stopped} announced); each saves its resume data as it stops, through
     * the same scheduler that saves it while running (the engine's, {@link ResumingPieceStore#saveResume}).
     */
    public Future<Void> close() {
        return peers.removeAll();
    }

    public long uploaded() {
        return retiredUploaded.get() + hosted.values().stream().mapToLong(h -> h.engine().state().uploaded()).sum();
    }

    public long downloaded() {
        return retiredDownloaded.get() + hosted.values().stream().mapToLong(h -> h.engine().state().downloaded()).sum();
    }

    public long piecesVerified() {
        return retiredVerified.get() + hosted.values().stream().mapToLong(h -> h.engine().state().piecesVerified()).sum();
    }

    public long hashFailures() {
        return retiredHashFailures.get() + hosted.values().stream().mapToLong(h -> h.engine().state().hashFailures()).sum();
    }

    public int peers() {
        return hosted.values().stream().mapToInt(h -> h.engine().state().peers()).sum();
    }

    private Path torrentFile(InfoHash infoHash) {
        return torrentsDir.resolve(infoHash.hex() + ".torrent");
    }

    private Path magnetFile(InfoHash infoHash) {
        return torrentsDir.resolve(infoHash.hex() + MAGNET_SUFFIX);
    }

    private Path resumeFile(InfoHash infoHash) {
        return NodeState.resumeFile(stateDir, infoHash);
    }

    /** A refusal with the HTTP status that fits it. */
    public static final class LibraryException extends ApiError {
        private static final long serialVersionUID = 1L;

        public LibraryException(int status, String message) {
            super(status, message);
        }
    }
}
