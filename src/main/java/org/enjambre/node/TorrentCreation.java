package org.enjambre.node;

import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.metainfo.MetainfoException;
import org.enjambre.metainfo.PathSafety;
import org.enjambre.metainfo.TorrentBuilder;
import org.enjambre.tracker.hazelcast.TrackerMaps;

/**
 * Torrent creation on the web port where the tracker's own handler ({@link TorrentUploads}, which
 * needs the cluster's map) cannot serve: {@code POST /api/node/seed} (a multipart upload of one or
 * more files, fields {@code name}, {@code pieceLength}, {@code trackers}; the files are kept under
 * the node's {@code --data} and seeded at once, the {@code .torrent} answered), and
 * {@code POST /api/torrents} on a lone node without Hazelcast. With Hazelcast the torrent is also
 * registered in the trackers' map ({@link TrackerMaps#TORRENTS}, the same JSON as the tracker's
 * uploads), so trackers list it by name. Hashing runs on a worker.
 */
final class TorrentCreation {
    static final String TORRENT_TYPE = "application/x-bittorrent";

    private final Vertx vertx;
    private final TorrentLibrary library;
    private final HazelcastInstance hazelcast;
    private final Path uploadsDir;

    TorrentCreation(Vertx vertx, TorrentLibrary library, HazelcastInstance hazelcast, Path uploadsDir) {
        this.vertx = vertx;
        this.library = library;
        this.hazelcast = hazelcast;
        this.uploadsDir = uploadsDir;
    }

    /** {@code POST /api/torrents} without Hazelcast: create only. */
    void create(RoutingContext ctx) {
        handle(ctx, false);
    }

    /** {@code POST /api/node/seed}: create, keep under --data, seed. */
    void createAndSeed(RoutingContext ctx) {
        handle(ctx, true);
    }

    private void handle(RoutingContext ctx, boolean seed) {
        List<FileUpload> files = ctx.fileUploads();
        if (files.isEmpty()) {
            WebVerticle.error(ctx, 400, "no file uploaded: send the content as multipart/form-data file fields");
            return;
        }
        String name = blankToNull(ctx.request().getFormAttribute("name"));
        String pieceLength = blankToNull(ctx.request().getFormAttribute("pieceLength"));
        String trackersField = blankToNull(ctx.request().getFormAttribute("trackers"));
        List<String> trackers = new ArrayList<>();
        if (trackersField != null) {
            for (String t : trackersField.split("[\\s,]+")) {
                if (!t.isBlank()) {
                    trackers.add(t.trim());
                }
            }
        }
        Integer pieceBytes;
        try {
            pieceBytes = pieceLength == null ? null : Integer.valueOf(pieceLength);
            if (name != null) {
                PathSafety.checkComponent(name, "name");
            }
            for (FileUpload f : files) {
                PathSafety.checkComponent(f.fileName(), "uploaded file name");
            }
            if (files.size() > 1 && name == null) {
                throw new MetainfoException("several files need a 'name' for their folder");
            }
        } catch (NumberFormatException e) {
            WebVerticle.error(ctx, 400, "pieceLength must be a number of bytes, got '" + pieceLength + "'");
            return;
        } catch (MetainfoException e) {
            WebVerticle.error(ctx, 400, e.getMessage());
            return;
        }
        vertx.executeBlocking(() -> build(files, name, pieceBytes, trackers, seed), false)
                .compose(metainfo -> register(metainfo).map(metainfo))
                .compose(metainfo -> seed ? library.add(metainfo.encode()).map(metainfo) : Future.succeededFuture(metainfo))
                .onComplete(ar -> {
                    if (ar.failed()) {
                        Throwable e = ar.cause();
                        if (e instanceof TorrentLibrary.LibraryException le) {
                            WebVerticle.error(ctx, le.status(), le.getMessage());
                        } else if (e instanceof MetainfoException) {
                            WebVerticle.error(ctx, 400, e.getMessage());
                        } else if (e instanceof FileAlreadyExistsException fe) {
                            WebVerticle.error(ctx, 409, "already in the data folder: " + fe.getFile());
                        } else {
                            WebVerticle.error(ctx, 500, "cannot create the torrent: " + e.getMessage());
                        }
                        return;
                    }
                    Metainfo m = ar.result();
                    String ascii = m.info().name().replaceAll("[^A-Za-z0-9._-]", "_");
                    ctx.response().putHeader("Content-Type", TORRENT_TYPE)
                            .putHeader("Content-Disposition", "attachment; filename=\"" + ascii + ".torrent\"")
                            .putHeader("X-Info-Hash", m.infoHash().hex())
                            .setStatusCode(seed ? 201 : 200)
                            .end(Buffer.buffer(m.encode()));
                });
    }

    /** Lays the uploads out as the torrent's content (under --data when seeding) and hashes them. */
    private Metainfo build(List<FileUpload> files, String name, Integer pieceBytes, List<String> trackers, boolean seed)
            throws IOException {
        Files.createDirectories(uploadsDir);
        Path staging = seed ? library.dataDir() : Files.createTempDirectory(uploadsDir, "create");
        String contentName = name != null ? name : files.get(0).fileName();
        Path target = staging.resolve(contentName);
        try {
            if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(target.toString());
            }
            if (files.size() == 1) {
                Files.move(Paths.get(files.get(0).uploadedFileName()), target, StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.createDirectories(target);
                for (FileUpload f : files) {
                    Files.move(Paths.get(f.uploadedFileName()), target.resolve(f.fileName()));
                }
            }
            TorrentBuilder builder = TorrentBuilder.forPath(target).trackers(trackers);
            if (pieceBytes != null) {
                builder.pieceLength(pieceBytes);
            }
            return builder.build();
        } finally {
            if (!seed) {
                deleteTree(staging);
            }
        }
    }

    private Future<Void> register(Metainfo m) {
        if (hazelcast == null) {
            return Future.succeededFuture();
        }
        io.vertx.core.json.JsonArray fileList = new io.vertx.core.json.JsonArray();
        for (org.enjambre.metainfo.TorrentFile f : m.info().files()) {
            fileList.add(new JsonObject().put("path", String.join("/", f.path())).put("length", f.length()));
        }
        JsonObject meta = new JsonObject()
                .put("name", m.info().name())
                .put("files", fileList)
                .put("length", m.info().totalLength())
                .put("pieceLength", m.info().pieceLength())
                .put("torrent", Base64.getEncoder().encodeToString(m.encode()));
        return Future.fromCompletionStage(hazelcast.<String, String>getMap(TrackerMaps.TORRENTS)
                .setAsync(m.infoHash().hex(), meta.encode()), vertx.getOrCreateContext());
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
