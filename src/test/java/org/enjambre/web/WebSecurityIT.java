package org.enjambre.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.CompletableFuture;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.enjambre.bencode.BBytes;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.BList;
import org.enjambre.bencode.BValue;
import org.enjambre.bencode.Bencode;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.metainfo.TorrentBuilder;
import org.enjambre.node.EnjambreNode;
import org.enjambre.node.NodeSettings;
import org.enjambre.node.NodeState;
import org.enjambre.node.TrackerSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's API as an attacker meets it, on loopback against one running node: a page of another
 * site, a DNS-rebinding host name, a caller without the token, hostile torrents, huge bodies and
 * uploads that would fill the disk. Each test is a finding of the security review that main had.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebSecurityIT {
    static final long QUOTA = 10_000_000;
    static final long MAX_UPLOAD = 1_000_000;

    @TempDir
    static Path dir;
    static Path data;
    static EnjambreNode node;
    static Metainfo hosted;
    static Vertx vertx;
    static WebClient client;

    @BeforeAll
    static void start() throws Exception {
        data = Files.createDirectories(dir.resolve("data"));
        byte[] content = new byte[50_000];
        new Random(1).nextBytes(content);
        Files.write(data.resolve("kept.bin"), content);
        hosted = TorrentBuilder.forPath(data.resolve("kept.bin")).pieceLength(16384).build();
        NodeSettings settings = new NodeSettings("guarded", "127.0.0.1", 0, 0, false, 0, 60, data, 0, MAX_UPLOAD);
        node = EnjambreNode.start(settings.withWeb(settings.web().withQuota(QUOTA)), null);
        join(node.library().add(hosted.encode()));
        vertx = Vertx.vertx();
        client = WebClient.create(vertx);
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (vertx != null) {
            join(vertx.close());
        }
        if (node != null) {
            node.close();
        }
    }

    static <T> T join(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    static HttpRequest<Buffer> request(HttpMethod method, String path) {
        return client.request(method, node.webPort(), "127.0.0.1", path);
    }

    static HttpRequest<Buffer> authorized(HttpMethod method, String path) {
        return request(method, path).bearerTokenAuthentication(node.apiToken());
    }

    static boolean stillHosted() {
        return node.library().engine(hosted.infoHash()) != null;
    }

    static String deletePath() {
        return "/api/node/torrents/" + hosted.infoHash().hex();
    }

    @Test
    void aChangeWithoutTheTokenOrWithAWrongOneIsRefusedAndChangesNothing() throws Exception {
        HttpResponse<Buffer> none = join(request(HttpMethod.DELETE, deletePath()).send());
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.getHeader("WWW-Authenticate")).startsWith("Bearer");
        assertThat(none.bodyAsJsonObject().getString("error")).contains("token");
        HttpResponse<Buffer> wrong = join(request(HttpMethod.DELETE, deletePath())
                .bearerTokenAuthentication(node.apiToken().substring(1) + "0").send());
        assertThat(wrong.statusCode()).isEqualTo(401);
        HttpResponse<Buffer> upload = join(request(HttpMethod.POST, "/api/node/seed").sendMultipartForm(MultipartForm.create()
                .binaryFileUpload("file", "dropped.bin", Buffer.buffer(new byte[1000]), "application/octet-stream")));
        assertThat(upload.statusCode()).isEqualTo(401);
        assertThat(stillHosted()).isTrue();
        assertThat(data.resolve("dropped.bin")).doesNotExist();
        // Reads on a loopback port need no token: only this machine reaches it.
        assertThat(join(request(HttpMethod.GET, "/api/node").send()).statusCode()).isEqualTo(200);
    }

    @Test
    void aRebindingHostIsRefusedEvenWithTheToken() throws Exception {
        HttpResponse<Buffer> delete = join(authorized(HttpMethod.DELETE, deletePath())
                .putHeader("Host", "attacker.example").send());
        assertThat(delete.statusCode()).isEqualTo(403);
        assertThat(delete.bodyAsJsonObject().getString("error")).contains("attacker.example");
        HttpResponse<Buffer> read = join(request(HttpMethod.GET, "/api/node").putHeader("Host", "attacker.example:8080").send());
        assertThat(read.statusCode()).isEqualTo(403);
        assertThat(stillHosted()).isTrue();
        // The node's own names pass.
        for (String host : List.of("localhost:" + node.webPort(), "[::1]:" + node.webPort(), "127.0.0.1")) {
            assertThat(join(request(HttpMethod.GET, "/api/node").putHeader("Host", host).send()).statusCode())
                    .as(host).isEqualTo(200);
        }
    }

    @Test
    void aCrossOriginChangeIsRefusedEvenWithTheToken() throws Exception {
        HttpResponse<Buffer> foreign = join(authorized(HttpMethod.DELETE, deletePath())
                .putHeader("Origin", "http://attacker.example").send());
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(foreign.bodyAsJsonObject().getString("error")).contains("cross-origin");
        HttpResponse<Buffer> post = join(authorized(HttpMethod.POST, "/api/node/seed")
                .putHeader("Origin", "http://127.0.0.1:" + (node.webPort() + 1))
                .sendMultipartForm(MultipartForm.create()
                        .binaryFileUpload("file", "csrf.bin", Buffer.buffer(new byte[100]), "application/octet-stream")));
        assertThat(post.statusCode()).isEqualTo(403);
        HttpResponse<Buffer> nullOrigin = join(authorized(HttpMethod.DELETE, deletePath()).putHeader("Origin", "null").send());
        assertThat(nullOrigin.statusCode()).isEqualTo(403);
        HttpResponse<Buffer> referer = join(authorized(HttpMethod.DELETE, deletePath())
                .putHeader("Referer", "https://attacker.example/page").send());
        assertThat(referer.statusCode()).isEqualTo(403);
        assertThat(stillHosted()).isTrue();
        assertThat(data.resolve("csrf.bin")).doesNotExist();
        // The node's own page is its origin: the change reaches the handler (which finds nothing to add).
        HttpResponse<Buffer> own = join(authorized(HttpMethod.POST, "/api/node/torrents")
                .putHeader("Origin", "http://127.0.0.1:" + node.webPort())
                .sendMultipartForm(MultipartForm.create().attribute("x", "y")));
        assertThat(own.statusCode()).isEqualTo(400);
        assertThat(own.bodyAsJsonObject().getString("error")).contains("'torrent'");
    }

    @Test
    void everyAnswerCarriesTheContentSecurityPolicy() throws Exception {
        for (String path : List.of("/", "/app.js", "/api/node", "/api/nothing", "/nothing.html")) {
            HttpResponse<Buffer> r = join(request(HttpMethod.GET, path).send());
            assertThat(r.getHeader("Content-Security-Policy")).as(path)
                    .isEqualTo("default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'");
            assertThat(r.getHeader("X-Content-Type-Options")).as(path).isEqualTo("nosniff");
        }
        HttpResponse<Buffer> refused = join(request(HttpMethod.DELETE, deletePath()).send());
        assertThat(refused.getHeader("Content-Security-Policy")).isNotNull();
        // No inline script or style left for the policy to block.
        String page = join(request(HttpMethod.GET, "/").send()).bodyAsString();
        assertThat(page).doesNotContainPattern("<script(?![^>]*\\ssrc=)").doesNotContain("style=").doesNotContain(" onclick=");
    }

    @Test
    void aTorrentThatWouldWriteIntoTheResumeFolderIsRefused() throws Exception {
        byte[] torrent = torrent(".enjambre", file(10, "torrents", "0".repeat(40) + ".torrent"));
        HttpResponse<Buffer> r = join(authorized(HttpMethod.POST, "/api/node/torrents")
                .putHeader("Content-Type", "application/x-bittorrent").sendBuffer(Buffer.buffer(torrent)));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.bodyAsJsonObject().getString("error")).contains("reserved");
        assertThat(data.resolve(".enjambre")).doesNotExist();
    }

    @Test
    void aTorrentWithADuplicatePathIsRefused() throws Exception {
        byte[] torrent = torrent("twice", file(10, "a"), file(10, "a"));
        HttpResponse<Buffer> r = join(authorized(HttpMethod.POST, "/api/node/torrents")
                .putHeader("Content-Type", "application/x-bittorrent").sendBuffer(Buffer.buffer(torrent)));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.bodyAsJsonObject().getString("error")).contains("same path \"a\"");
        assertThat(data.resolve("twice")).doesNotExist();
    }

    @Test
    void aHugeBodyIsRefusedWhileOtherRequestsAreAnswered() throws Exception {
        // The default upload cap (64 MiB) on this node: the caps of .torrent and JSON bodies are their own.
        Path otherData = Files.createDirectories(dir.resolve("defaults"));
        try (EnjambreNode defaults = EnjambreNode.start(new NodeSettings("defaults", "127.0.0.1", 0, 0, false, 0, 60,
                otherData, 0, TrackerSettings.DEFAULT_MAX_UPLOAD), null)) {
            AtomicBoolean streaming = new AtomicBoolean(true);
            AtomicLong slowestMillis = new AtomicLong();
            AtomicLong answered = new AtomicLong();
            Thread reader = new Thread(() -> {
                // Another caller reads the node's state all along: it must be answered promptly.
                while (streaming.get()) {
                    long t0 = System.nanoTime();
                    try {
                        int status = join(client.get(defaults.webPort(), "127.0.0.1", "/api/node").timeout(5000).send()).statusCode();
                        if (status == 200) {
                            answered.incrementAndGet();
                        }
                    } catch (Exception e) {
                        slowestMillis.set(Long.MAX_VALUE);
                    }
                    slowestMillis.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), Math::max);
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            reader.start();
            try {
                // 64 MiB of bencode sent without a length (chunked): refused once past the .torrent cap.
                assertThat(stream(defaults, "application/x-bittorrent", 64L << 20, false)).isEqualTo(413);
                // 64 MiB of JSON announced with its length: refused before a byte of it is read.
                assertThat(stream(defaults, "application/json", 64L << 20, true)).isEqualTo(413);
                // The same as a multipart .torrent field.
                assertThat(stream(defaults, "multipart/form-data; boundary=XyZ", 64L << 20, true)).isEqualTo(413);
            } finally {
                Thread.sleep(300);
                streaming.set(false);
                reader.join(10_000);
            }
            assertThat(answered.get()).isPositive();
            assertThat(slowestMillis.get()).as("slowest GET /api/node while the huge bodies arrived, ms").isLessThan(1000);
        }
    }

    /** Sends up to {@code total} bytes to POST /api/node/torrents, stopping at the node's answer; its status. */
    private static int stream(EnjambreNode target, String type, long total, boolean declareLength) throws Exception {
        try (RawUpload up = new RawUpload(target, "/api/node/torrents", type, declareLength ? total : -1)) {
            byte[] chunk = new byte[64 * 1024];
            long sent = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (sent < total && !up.status.isDone() && System.nanoTime() < deadline && up.write(chunk)) {
                sent += chunk.length;
            }
            assertThat(sent).as("bytes sent before the answer").isLessThan(total);
            return up.status.get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * A request written by hand on a socket, its body sent piece by piece (chunked unless a length
     * is declared), its status line read by another thread as soon as the node answers.
     */
    static final class RawUpload implements AutoCloseable {
        final Socket socket;
        final CompletableFuture<Integer> status = new CompletableFuture<>();
        final boolean chunked;

        RawUpload(EnjambreNode target, String path, String type, long length) throws Exception {
            socket = new Socket("127.0.0.1", target.webPort());
            socket.setSoTimeout(30_000);
            chunked = length < 0;
            String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + target.webPort() + "\r\n"
                    + "Authorization: Bearer " + target.apiToken() + "\r\nContent-Type: " + type + "\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + length + "\r\n") + "\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            Thread reader = new Thread(() -> {
                try {
                    String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
                    status.complete(line == null ? -1 : Integer.parseInt(line.split(" ")[1]));
                } catch (Exception e) {
                    status.completeExceptionally(e);
                }
            });
            reader.setDaemon(true);
            reader.start();
        }

        /** False once the node has closed the connection. */
        boolean write(byte[] data) {
            try {
                OutputStream out = socket.getOutputStream();
                if (chunked) {
                    out.write((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.write(data);
                if (chunked) {
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
                return true;
            } catch (java.io.IOException e) {
                return false;
            }
        }

        @Override
        public void close() throws Exception {
            socket.close();
        }
    }

    @Test
    void aFailedUploadLeavesNoTemporaryFileBehind() throws Exception {
        Path uploads = NodeState.uploads(NodeState.defaultFolder(data));
        // Refused after the upload was stored: a piece length that is not a power of two.
        HttpResponse<Buffer> bad = join(authorized(HttpMethod.POST, "/api/node/seed").sendMultipartForm(MultipartForm.create()
                .attribute("pieceLength", "1000")
                .binaryFileUpload("file", "failed.bin", Buffer.buffer(new byte[5000]), "application/octet-stream")));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(data.resolve("failed.bin")).doesNotExist();
        awaitEmpty(uploads);
        // Refused past the upload cap, the upload streamed without a declared length.
        try (RawUpload big = multipartUpload("big.bin")) {
            long sent = 0;
            while (!big.status.isDone() && sent < 4 * MAX_UPLOAD && big.write(new byte[64 * 1024])) {
                sent += 64 * 1024;
            }
            assertThat(big.status.get(10, TimeUnit.SECONDS)).isEqualTo(413);
        }
        awaitEmpty(uploads);
        // A client that goes away in the middle of an upload.
        try (RawUpload half = multipartUpload("half.bin")) {
            assertThat(half.write(new byte[256 * 1024])).isTrue();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (list(uploads).isEmpty() && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertThat(list(uploads)).as("the upload is streamed to a temporary file").isNotEmpty();
        }
        awaitEmpty(uploads);
    }

    @Test
    void theQuotaRefusesAnUploadThatWouldExceedIt() throws Exception {
        // A torrent not yet downloaded counts at its full length: it leaves 1 MB of the quota.
        byte[] filler = torrent("filler", file(QUOTA - node.library().hostedBytes() - 1_000_000, "f"));
        var fillerEngine = join(node.library().add(filler));
        byte[] content = new byte[600_000];
        try {
            HttpResponse<Buffer> first = join(authorized(HttpMethod.POST, "/api/node/seed").sendMultipartForm(MultipartForm.create()
                    .binaryFileUpload("file", "first.bin", Buffer.buffer(content), "application/octet-stream")));
            assertThat(first.statusCode()).isEqualTo(201);
            HttpResponse<Buffer> second = join(authorized(HttpMethod.POST, "/api/node/seed").sendMultipartForm(MultipartForm.create()
                    .binaryFileUpload("file", "second.bin", Buffer.buffer(content), "application/octet-stream")));
            assertThat(second.statusCode()).isEqualTo(413);
            assertThat(second.bodyAsJsonObject().getString("error")).contains("quota");
            assertThat(data.resolve("second.bin")).doesNotExist();
            // A torrent whose data would pass the quota once downloaded is refused too.
            byte[] large = torrent("large", file(600_000, "x"));
            HttpResponse<Buffer> add = join(authorized(HttpMethod.POST, "/api/node/torrents")
                    .putHeader("Content-Type", "application/x-bittorrent").sendBuffer(Buffer.buffer(large)));
            assertThat(add.statusCode()).isEqualTo(413);
            assertThat(add.bodyAsJsonObject().getString("error")).contains("quota");
            assertThat(data.resolve("large")).doesNotExist();
            // Removing a torrent makes room again.
            Metainfo m = Metainfo.parse(first.bodyAsBuffer().getBytes());
            assertThat(join(authorized(HttpMethod.DELETE, "/api/node/torrents/" + m.infoHash().hex()).send()).statusCode()).isEqualTo(200);
            HttpResponse<Buffer> third = join(authorized(HttpMethod.POST, "/api/node/seed").sendMultipartForm(MultipartForm.create()
                    .binaryFileUpload("file", "third.bin", Buffer.buffer(content), "application/octet-stream")));
            assertThat(third.statusCode()).isEqualTo(201);
            join(node.library().remove(Metainfo.parse(third.bodyAsBuffer().getBytes()).infoHash()));
        } finally {
            join(node.library().remove(fillerEngine.infoHash()));
        }
    }

    /** A multipart upload to POST /api/torrents, chunked, its file part opened: the caller writes the content. */
    private static RawUpload multipartUpload(String fileName) throws Exception {
        RawUpload up = new RawUpload(node, "/api/torrents", "multipart/form-data; boundary=XyZ", -1);
        up.write(("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName + "\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        return up;
    }

    private static void awaitEmpty(Path folder) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!list(folder).isEmpty() && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertThat(list(folder)).as("temporary files in " + folder).isEmpty();
    }

    private static List<Path> list(Path folder) throws Exception {
        try (Stream<Path> s = Files.list(folder)) {
            return s.toList();
        }
    }

    private static BDict file(long length, String... path) {
        List<BValue> components = new ArrayList<>();
        for (String c : path) {
            components.add(BBytes.of(c));
        }
        return BDict.builder().put("length", length).put("path", new BList(components)).build();
    }

    /** A multi-file torrent of fake hashes: enough to be parsed and hosted, never verified. */
    private static byte[] torrent(String name, BDict... files) {
        long total = 0;
        for (BDict f : files) {
            total += ((org.enjambre.bencode.BInt) f.get("length")).value();
        }
        int pieces = (int) Math.max(1, (total + 16383) / 16384);
        BDict info = BDict.builder().put("name", name).put("piece length", 16384).put("pieces", new byte[pieces * 20])
                .put("files", new BList(List.of(files))).build();
        return Bencode.encode(BDict.builder().put("info", info).build());
    }
}
