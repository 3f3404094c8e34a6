package org.enjambre.web;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;
import org.enjambre.metainfo.InfoHash;
import org.enjambre.metainfo.MagnetUri;
import org.enjambre.metainfo.Metainfo;

/**
 * {@code POST /api/node/torrents} (a {@code .torrent} as multipart field {@code torrent}, as a raw
 * {@code application/x-bittorrent} body, or JSON {@code {"magnet": ...}}) and
 * {@code DELETE /api/node/torrents/{infoHash}}. Each body kind has its own cap, enforced by the
 * body handler before the body is held (413), and a torrent is parsed on a worker, never on the
 * event loop, with caps on its size and file count; its total length must fit the {@link DataQuota}.
 */
final class TorrentAdding {
    /** Largest {@code .torrent} the API takes (the metainfo codec's own limit is larger). */
    static final int MAX_TORRENT_BYTES = 10 * 1024 * 1024;
    /** Most files in a torrent the API hosts: each becomes a file on disk. */
    static final int MAX_TORRENT_FILES = 50_000;
    /** Largest JSON body (a magnet link is at most {@link MagnetUri#MAX_LENGTH} characters). */
    static final int MAX_JSON_BYTES = MagnetUri.MAX_LENGTH + 1024;
    /** Room for the multipart framing around a {@code .torrent} field. */
    private static final int MULTIPART_SLACK = 64 * 1024;
    private static final Pattern HEX40 = Pattern.compile("[0-9a-fA-F]{40}");

    private final Vertx vertx;
    private final TorrentHost host;
    private final DataQuota quota;
    private final BodyHandler multipart;
    private final BodyHandler torrent;
    private final BodyHandler json;

    TorrentAdding(Vertx vertx, TorrentHost host, DataQuota quota, Path scratchDir) {
        this.vertx = vertx;
        this.host = host;
        this.quota = quota;
        this.multipart = TorrentCreation.body(scratchDir, MAX_TORRENT_BYTES + MULTIPART_SLACK);
        this.torrent = BodyHandler.create(false).setBodyLimit(MAX_TORRENT_BYTES);
        this.json = BodyHandler.create(false).setBodyLimit(MAX_JSON_BYTES);
    }

    /** Picks the body handler (and so the cap) from the declared content type, before any byte is read. */
    Handler<RoutingContext> body() {
        return ctx -> {
            String type = contentType(ctx);
            if (type.startsWith("multipart/form-data")) {
                multipart.handle(ctx);
            } else if (type.startsWith("application/json")) {
                json.handle(ctx);
            } else if (type.startsWith(TorrentCreation.TORRENT_TYPE)) {
                torrent.handle(ctx);
            } else {
                Replies.error(ctx, 415, "send the .torrent as multipart/form-data in the field 'torrent', as "
                        + TorrentCreation.TORRENT_TYPE + ", or JSON {\"magnet\": \"...\"}");
            }
        };
    }

    void add(RoutingContext ctx) {
        String type = contentType(ctx);
        Future<Buffer> bytes;
        if (type.startsWith("application/json")) {
            addMagnet(ctx);
            return;
        } else if (type.startsWith(TorrentCreation.TORRENT_TYPE)) {
            bytes = Future.succeededFuture(ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer());
        } else {
            FileUpload upload = ctx.fileUploads().stream().filter(f -> f.name().equals("torrent")).findFirst().orElse(null);
            if (upload == null) {
                Replies.error(ctx, 400, "send the .torrent as multipart/form-data in the field 'torrent', or JSON {\"magnet\": \"...\"}");
                return;
            }
            if (upload.size() > MAX_TORRENT_BYTES) {
                Replies.error(ctx, 413, "a .torrent larger than the limit of " + MAX_TORRENT_BYTES + " bytes");
                return;
            }
            bytes = vertx.fileSystem().readFile(upload.uploadedFileName());
        }
        bytes.compose(b -> vertx.executeBlocking(() -> parse(b.getBytes()), false)
                        .compose(m -> {
                            String refusal = quota.refusal(m.info().totalLength());
                            return refusal != null ? Future.failedFuture(new ApiError(413, refusal)) : host.host(m, b.getBytes());
                        }))
                .onSuccess(a -> Replies.json(ctx, 201, new JsonObject().put("infoHash", a.infoHash().hex())
                        .put("name", a.name()).put("progress", a.progress()).put("complete", a.complete())))
                .onFailure(e -> Replies.failure(ctx, e));
    }

    /** A worker's job: the codec, then the caps the codec does not know. */
    static Metainfo parse(byte[] bytes) {
        if (bytes.length > MAX_TORRENT_BYTES) {
            throw new ApiError(413, "a .torrent larger than the limit of " + MAX_TORRENT_BYTES + " bytes");
        }
        Metainfo m;
        try {
            m = Metainfo.parse(bytes);
        } catch (RuntimeException e) {
            throw new ApiError(400, "not a valid .torrent: " + e.getMessage());
        }
        if (m.info().files().size() > MAX_TORRENT_FILES) {
            throw new ApiError(400, "a torrent of " + m.info().files().size() + " files: more than the limit of "
                    + MAX_TORRENT_FILES);
        }
        return m;
    }

    /** A magnet link: hosted at once, its info dictionary fetched from peers (BEP 9, ut_metadata). */
    private void addMagnet(RoutingContext ctx) {
        JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (RuntimeException e) {
            Replies.error(ctx, 400, "body is not JSON: " + e.getMessage());
            return;
        }
        String magnet = body == null ? null : body.getValue("magnet") instanceof String s ? s : null;
        if (magnet == null) {
            Replies.error(ctx, 400, "JSON body must be {\"magnet\": \"magnet:?xt=urn:btih:...\"}");
            return;
        }
        MagnetUri uri;
        try {
            uri = MagnetUri.parse(magnet);
        } catch (RuntimeException e) {
            Replies.error(ctx, 400, "not a valid magnet link: " + e.getMessage());
            return;
        }
        host.hostMagnet(uri)
                .onSuccess(a -> Replies.json(ctx, 201, new JsonObject().put("infoHash", a.infoHash().hex())
                        .put("name", a.name()).put("progress", a.progress()).put("complete", a.complete())
                        .put("fetchingMetadata", true)))
                .onFailure(e -> Replies.failure(ctx, e));
    }

    void remove(RoutingContext ctx) {
        String hex = ctx.pathParam("infoHash");
        if (!HEX40.matcher(hex).matches()) {
            Replies.error(ctx, 400, "infoHash must be 40 hexadecimal characters");
            return;
        }
        InfoHash infoHash = InfoHash.fromHex(hex.toLowerCase(Locale.ROOT));
        host.remove(infoHash)
                .onSuccess(v -> Replies.json(ctx, 200, new JsonObject().put("removed", infoHash.hex())))
                .onFailure(e -> Replies.failure(ctx, e));
    }

    private static String contentType(RoutingContext ctx) {
        String type = ctx.request().getHeader("Content-Type");
        return type == null ? "" : type.toLowerCase(Locale.ROOT).trim();
    }
}
