package org.enjambre.node;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.metainfo.MetainfoException;
import org.enjambre.metainfo.PathSafety;
import org.enjambre.metainfo.TorrentBuilder;
import org.enjambre.metainfo.TorrentFile;
import org.enjambre.tracker.hazelcast.TrackerMaps;

/**
 * {@code POST /api/torrents}: multipart upload of one or more files (fields {@code name},
 * {@code pieceLength}, {@code trackers}) turned into a {@code .torrent}, answered as
 * {@code application/x-bittorrent} and registered in the replicated map
 * {@link TrackerMaps#TORRENTS} (JSON: {@code name}, {@code length}, {@code pieceLength},
 * {@code files}, {@code torrent} in base64) so that every tracker node lists it.
 */
final class TorrentUploads {
    /** Most files in one upload. */
    static final int MAX_FILES = 1000;

    private final IMap<String, String> torrents;
    private Vertx vertx;

    TorrentUploads(HazelcastInstance hazelcast) {
        this.torrents = hazelcast.getMap(TrackerMaps.TORRENTS);
    }

    void mount(Vertx vertx, Router router, long maxUploadBytes) {
        this.vertx = vertx;
        Path uploads = Path.of(System.getProperty("java.io.tmpdir"), "enjambre-uploads");
        router.post("/api/torrents")
                .handler(BodyHandler.create(uploads.toString()).setBodyLimit(maxUploadBytes)
                        .setDeleteUploadedFilesOnEnd(true).setHandleFileUploads(true))
                .handler(this::create);
    }

    private void create(RoutingContext ctx) {
        List<FileUpload> files = ctx.fileUploads();
        String name = trimmed(ctx.request().getFormAttribute("name"));
        String pieceLengthText = trimmed(ctx.request().getFormAttribute("pieceLength"));
        List<String> trackers = new ArrayList<>();
        for (String field : ctx.request().formAttributes().getAll("trackers")) {
            // One URL per field, or several separated by commas, spaces or new lines.
            for (String t : field.split("[,\\s]+")) {
                if (!t.isBlank()) {
                    trackers.add(t.trim());
                }
            }
        }
        Integer pieceLength;
        try {
            pieceLength = pieceLengthText == null ? null : Integer.valueOf(pieceLengthText);
        } catch (NumberFormatException e) {
            TrackerVerticle.jsonError(ctx, 400, "pieceLength must be an integer number of bytes, got " + abbreviate(pieceLengthText));
            return;
        }
        if (files.isEmpty()) {
            TrackerVerticle.jsonError(ctx, 400, "no file uploaded: send one or more files as multipart/form-data");
            return;
        }
        if (files.size() > MAX_FILES) {
            TrackerVerticle.jsonError(ctx, 400, "too many files (limit " + MAX_FILES + ")");
            return;
        }
        vertx.executeBlocking(() -> build(files, name, pieceLength, trackers), false)
                .compose(m -> register(m).map(m))
                .onSuccess(m -> ctx.response()
                        .putHeader("Content-Type", "application/x-bittorrent")
                        .putHeader("Content-Disposition", "attachment; filename=\"" + asciiFileName(m.info().name()) + ".torrent\"")
                        .putHeader("X-Info-Hash", m.infoHash().hex())
                        .end(Buffer.buffer(m.encode())))
                .onFailure(e -> {
                    if (e instanceof MetainfoException || e instanceof IllegalArgumentException) {
                        TrackerVerticle.jsonError(ctx, 400, e.getMessage());
                    } else {
                        TrackerVerticle.jsonError(ctx, 500, "could not make the torrent: " + e.getMessage());
                    }
                });
    }

    /** Lays the uploads out under a scratch folder with their names, then hashes them (worker thread). */
    private static Metainfo build(List<FileUpload> files, String name, Integer pieceLength, List<String> trackers) throws IOException {
        Path scratch = Files.createTempDirectory("enjambre-torrent-");
        try {
            Set<String> seen = new HashSet<>();
            List<Path> placed = new ArrayList<>();
            Path root = scratch.resolve("content");
            for (FileUpload f : files) {
                String relative = f.fileName() == null ? "" : f.fileName().replace('\\', '/');
                List<String> components = List.of(relative.split("/", -1));
                PathSafety.checkComponents(components, "uploaded file name '" + abbreviate(relative) + "'");
                if (!seen.add(relative)) {
                    throw new IllegalArgumentException("file uploaded twice: " + abbreviate(relative));
                }
                Path target = root.resolve(relative);
                Files.createDirectories(target.getParent());
                Files.move(Path.of(f.uploadedFileName()), target, StandardCopyOption.REPLACE_EXISTING);
                placed.add(target);
            }
            String torrentName = name;
            if (torrentName != null) {
                PathSafety.checkComponent(torrentName, "name");
            }
            boolean single = files.size() == 1 && !seen.iterator().next().contains("/");
            Path content = single ? placed.get(0) : root;
            if (!single && torrentName == null) {
                throw new IllegalArgumentException("name is required when several files are uploaded");
            }
            TorrentBuilder builder = TorrentBuilder.forPath(content).trackers(trackers);
            if (torrentName != null) {
                builder.name(torrentName);
            }
            if (pieceLength != null) {
                builder.pieceLength(pieceLength);
            }
            return builder.build();
        } finally {
            deleteTree(scratch);
        }
    }

    private Future<Void> register(Metainfo m) {
        JsonArray fileList = new JsonArray();
        for (TorrentFile f : m.info().files()) {
            fileList.add(new JsonObject().put("path", String.join("/", f.path())).put("length", f.length()));
        }
        JsonObject meta = new JsonObject()
                .put("name", m.info().name())
                .put("length", m.info().totalLength())
                .put("pieceLength", m.info().pieceLength())
                .put("files", fileList)
                .put("torrent", Base64.getEncoder().encodeToString(m.encode()));
        return onContext(torrents.setAsync(m.infoHash().hex(), meta.encode()));
    }

    Future<JsonObject> get(String infoHash) {
        return onContext(torrents.getAsync(infoHash)).map(s -> s == null ? null : new JsonObject(s));
    }

    /** Every registered torrent, by info-hash (bounded by the scrape-all limit). */
    Future<Map<String, JsonObject>> all() {
        return vertx.executeBlocking(() -> {
            Map<String, JsonObject> out = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : new TreeMap<>(torrents).entrySet()) {
                if (out.size() >= TrackerSettings.SCRAPE_ALL_LIMIT) {
                    break;
                }
                out.put(e.getKey(), new JsonObject(e.getValue()));
            }
            return out;
        }, false);
    }

    /** Completes on the event loop; see HazelcastPeerRegistry for why not fromCompletionStage. */
    private <T> Future<T> onContext(CompletionStage<T> stage) {
        Context context = vertx.getOrCreateContext();
        Promise<T> promise = Promise.promise();
        stage.whenCompleteAsync((v, e) -> {
            if (e != null) {
                promise.fail(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
            } else {
                promise.complete(v);
            }
        }, task -> context.runOnContext(x -> task.run()));
        return promise.future();
    }

    private static String trimmed(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    /** A file name safe in a Content-Disposition header. */
    private static String asciiFileName(String name) {
        String s = name.replaceAll("[^A-Za-z0-9._ -]", "_");
        return s.isEmpty() ? "torrent" : s;
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // Best effort: a scratch folder under the temp dir.
                }
            });
        } catch (IOException e) {
            // Best effort.
        }
    }
}
