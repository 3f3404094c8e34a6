package org.enjambre.web;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.function.Predicate;
import java.util.Set;
import java.util.stream.Stream;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.metainfo.MetainfoException;
import org.enjambre.metainfo.PathSafety;
import org.enjambre.metainfo.TorrentBuilder;
import org.enjambre.metainfo.TorrentFile;
import org.enjambre.tracker.hazelcast.TorrentCatalog;

/**
 * The one path from a multipart upload to a torrent, for {@code POST /api/torrents} (web and
 * tracker ports: make the {@code .torrent}, keep nothing) and {@code POST /api/node/seed} (keep the
 * files under the data folder and host them). Fields: one or more files (their names may hold
 * {@code /} for folders), {@code name}, {@code pieceLength}, {@code trackers}. The files were
 * streamed to disk by the body handler ({@link #body}); hashing runs on a worker. With a cluster the
 * torrent is registered in the {@link TorrentCatalog}. On any failure what was stored goes away.
 */
public final class TorrentCreation {
    static final String TORRENT_TYPE = "application/x-bittorrent";
    /** Most files in one upload. */
    public static final int MAX_UPLOAD_FILES = 1000;

    private final Vertx vertx;
    private final TorrentHost host;
    private final TorrentCatalog catalog;
    private final Path scratchDir;
    private final Predicate<String> registrable;

    /**
     * @param host       null where nothing is hosted (the tracker port)
     * @param catalog    null without a cluster
     * @param scratchDir where uploads land and torrents are made; never the data folder
     */
    public TorrentCreation(Vertx vertx, TorrentHost host, TorrentCatalog catalog, Path scratchDir) {
        this(vertx, host, catalog, scratchDir, infoHash -> true);
    }

    /**
     * @param registrable whether a torrent (info-hash, 40 lowercase hex) may enter the catalog: a
     *                    tracker's allow-list, so that the API cannot list what announces refuse
     */
    public TorrentCreation(Vertx vertx, TorrentHost host, TorrentCatalog catalog, Path scratchDir,
                           Predicate<String> registrable) {
        this.vertx = vertx;
        this.host = host;
        this.catalog = catalog;
        this.scratchDir = scratchDir;
        this.registrable = registrable;
    }

    /** The body handler of an upload route: files streamed to {@code scratchDir}, at most {@code limit} bytes, removed at the end. */
    public static BodyHandler body(Path scratchDir, long limit) {
        return BodyHandler.create(scratchDir.toString()).setBodyLimit(limit).setHandleFileUploads(true)
                .setDeleteUploadedFilesOnEnd(true);
    }

    /** {@code POST /api/torrents}: the {@code .torrent} made from the upload; nothing kept. */
    public void create(RoutingContext ctx) {
        handle(ctx, false);
    }

    /** {@code POST /api/node/seed}: the upload kept under the data folder and hosted. */
    public void createAndSeed(RoutingContext ctx) {
        handle(ctx, true);
    }

    private record Form(List<FileUpload> files, List<String> relativePaths, String name, Integer pieceLength,
                        List<String> trackers) {
    }

    private void handle(RoutingContext ctx, boolean seed) {
        Form form;
        try {
            form = form(ctx);
        } catch (MetainfoException | IllegalArgumentException e) {
            Replies.error(ctx, 400, e.getMessage());
            return;
        }
        vertx.executeBlocking(() -> build(form, seed), false)
                .compose(built -> register(built.metainfo())
                        .compose(v -> seed ? host.host(built.metainfo(), built.metainfo().encode()).map(built) : Future.succeededFuture(built))
                        .recover(e -> vertx.executeBlocking(() -> {
                            // Not hosted after all: what was laid out under the data folder goes.
                            if (built.kept() != null) {
                                deleteTree(built.kept());
                            }
                            return null;
                        }, false).transform(x -> Future.failedFuture(e))))
                .onComplete(ar -> {
                    if (ar.failed()) {
                        Throwable e = ar.cause();
                        switch (e) {
                            case ApiError a -> Replies.error(ctx, a.status(), a.getMessage());
                            case MetainfoException m -> Replies.error(ctx, 400, m.getMessage());
                            case IllegalArgumentException i -> Replies.error(ctx, 400, i.getMessage());
                            case FileAlreadyExistsException f -> Replies.error(ctx, 409, "already in the data folder: " + f.getFile());
                            default -> Replies.error(ctx, 500, "cannot create the torrent: " + e.getMessage());
                        }
                        return;
                    }
                    Metainfo m = ar.result().metainfo();
                    String ascii = m.info().name().replaceAll("[^A-Za-z0-9._-]", "_");
                    ctx.response().putHeader("Content-Type", TORRENT_TYPE)
                            .putHeader("Content-Disposition", "attachment; filename=\"" + (ascii.isEmpty() ? "torrent" : ascii) + ".torrent\"")
                            .putHeader("X-Info-Hash", m.infoHash().hex())
                            .setStatusCode(seed ? 201 : 200)
                            .end(Buffer.buffer(m.encode()));
                });
    }

    private static Form form(RoutingContext ctx) {
        List<FileUpload> files = ctx.fileUploads();
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no file uploaded: send the content as multipart/form-data file fields");
        }
        if (files.size() > MAX_UPLOAD_FILES) {
            throw new IllegalArgumentException("too many files (limit " + MAX_UPLOAD_FILES + ")");
        }
        String name = blankToNull(ctx.request().getFormAttribute("name"));
        String pieceText = blankToNull(ctx.request().getFormAttribute("pieceLength"));
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
            pieceLength = pieceText == null ? null : Integer.valueOf(pieceText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("pieceLength must be an integer number of bytes, got '" + abbreviate(pieceText) + "'");
        }
        if (name != null) {
            PathSafety.checkComponent(name, "name");
        }
        Set<String> seen = new HashSet<>();
        List<String> paths = new ArrayList<>();
        for (FileUpload f : files) {
            String relative = f.fileName() == null ? "" : f.fileName().replace('\\', '/');
            PathSafety.checkComponents(List.of(relative.split("/", -1)), "uploaded file name '" + abbreviate(relative) + "'");
            if (!seen.add(relative)) {
                throw new IllegalArgumentException("file uploaded twice: " + abbreviate(relative));
            }
            paths.add(relative);
        }
        boolean single = files.size() == 1 && !paths.get(0).contains("/");
        if (!single && name == null) {
            throw new IllegalArgumentException("name is required when several files (or a folder) are uploaded");
        }
        return new Form(files, paths, name, pieceLength, trackers);
    }

    /** @param kept the content laid out under the data folder, null when nothing was kept */
    private record Built(Metainfo metainfo, Path kept) {
    }

    /** Lays the uploads out as the torrent's content (under the data folder to seed) and hashes them: a worker's job. */
    private Built build(Form form, boolean seed) throws IOException {
        Files.createDirectories(scratchDir);
        Path staging = seed ? host.dataDir() : Files.createTempDirectory(scratchDir, "create");
        boolean single = form.files().size() == 1 && !form.relativePaths().get(0).contains("/");
        Path target = staging.resolve(form.name() != null ? form.name() : form.relativePaths().get(0));
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString());
        }
        // Only what this request created goes on failure: never content that was there, or that another upload raced in.
        boolean created = false;
        boolean done = false;
        try {
            if (single) {
                Files.move(Path.of(form.files().get(0).uploadedFileName()), target);
                created = true;
            } else {
                Files.createDirectory(target);
                created = true;
                for (int i = 0; i < form.files().size(); i++) {
                    Path file = target.resolve(form.relativePaths().get(i));
                    Files.createDirectories(file.getParent());
                    Files.move(Path.of(form.files().get(i).uploadedFileName()), file);
                }
            }
            TorrentBuilder builder = TorrentBuilder.forPath(target).trackers(form.trackers());
            if (form.pieceLength() != null) {
                builder.pieceLength(form.pieceLength());
            }
            Metainfo m = builder.build();
            done = true;
            return new Built(m, seed ? target : null);
        } finally {
            if (!seed) {
                deleteTree(staging);
            } else if (!done && created) {
                deleteTree(target);
            }
        }
    }

    private Future<Void> register(Metainfo m) {
        if (catalog == null) {
            return Future.succeededFuture();
        }
        if (!registrable.test(m.infoHash().hex())) {
            return Future.failedFuture(new ApiError(403, "torrent not served by this tracker (allow-list): " + m.infoHash().hex()));
        }
        JsonArray fileList = new JsonArray();
        for (TorrentFile f : m.info().files()) {
            fileList.add(new JsonObject().put("path", String.join("/", f.path())).put("length", f.length()));
        }
        return catalog.register(m.infoHash().hex(), new JsonObject()
                .put("name", m.info().name())
                .put("length", m.info().totalLength())
                .put("pieceLength", m.info().pieceLength())
                .put("files", fileList)
                .put("torrent", Base64.getEncoder().encodeToString(m.encode())));
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
