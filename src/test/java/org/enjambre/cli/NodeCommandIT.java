package org.enjambre.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.enjambre.node.NodeState;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.metainfo.TorrentBuilder;
import org.enjambre.testutil.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code enjambre node} as a process: REST on its web port, SIGTERM exits 0, torrents come back after a restart. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NodeCommandIT {
    @TempDir
    Path dir;
    Vertx vertx;
    WebClient client;

    @BeforeEach
    void client() {
        vertx = Vertx.vertx();
        client = WebClient.create(vertx);
    }

    @AfterEach
    void close() throws Exception {
        client.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    <T> T await(io.vertx.core.Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    String token;

    @Test
    void nodeHostsAddedTorrentsStopsOnSigtermAndHostsThemAgainAfterARestart() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        byte[] content = new byte[500_000];
        new Random(5).nextBytes(content);
        Files.write(data.resolve("kept.bin"), content);
        Metainfo m = TorrentBuilder.forPath(data.resolve("kept.bin")).pieceLength(16384).build();
        int web = FreePorts.next();
        String[] args = {"node", "--name", "proc-node", "--data", data.toString(), "--host", "127.0.0.1",
                "--web-port", Integer.toString(web), "--tracker", "--tracker-port", Integer.toString(FreePorts.next())};

        try (Proc node = Proc.enjambre("node", dir, args)) {
            String first = node.awaitLine("dashboard on http://localhost:" + web + "/#token=.*", 60);
            token = first.replaceAll(".*#token=(\\S+).*", "$1");
            // Made at first start, outside the data folder, readable by its owner only.
            Path tokenFile = dir.resolve("config/enjambre/api-token");
            assertThat(Files.readString(tokenFile).trim()).isEqualTo(token).hasSize(64);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile))).isEqualTo("rw-------");
            HttpResponse<Buffer> refused = await(client.post(web, "127.0.0.1", "/api/node/torrents")
                    .sendMultipartForm(MultipartForm.create().binaryFileUpload("torrent", "kept.torrent",
                            Buffer.buffer(m.encode()), "application/x-bittorrent")));
            assertThat(refused.statusCode()).isEqualTo(401);
            HttpResponse<Buffer> added = await(client.post(web, "127.0.0.1", "/api/node/torrents")
                    .bearerTokenAuthentication(token)
                    .sendMultipartForm(MultipartForm.create().binaryFileUpload("torrent", "kept.torrent",
                            Buffer.buffer(m.encode()), "application/x-bittorrent")));
            assertThat(added.statusCode()).isEqualTo(201);
            assertThat(added.bodyAsJsonObject().getBoolean("complete")).isTrue();
            JsonObject state = await(client.get(web, "127.0.0.1", "/api/node").send()).bodyAsJsonObject();
            assertThat(state.getString("name")).isEqualTo("proc-node");
            assertThat(state.getBoolean("tracker")).isTrue();
            sigterm(node);
            int exit = node.awaitExit(30);
            assertThat(exit).isZero();
            // The pump thread may read the last line a moment after the exit.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!node.out.contains("node stopped") && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            assertThat(node.out).as("stderr: %s", String.join("\n", node.err)).contains("node stopped");
        }
        // The node's state lies beside the data folder, where no torrent reaches.
        assertThat(dir.resolve("data" + NodeState.SUFFIX + "/torrents/" + m.infoHash().hex() + ".torrent")).exists();
        assertThat(data.resolve(".enjambre")).doesNotExist();

        try (Proc again = Proc.enjambre("node again", dir, args)) {
            String line = again.awaitLine("dashboard on http://localhost:" + web + "/.*", 60);
            assertThat(line).endsWith("1 torrent(s)").contains("#token=" + token + " ");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            JsonObject torrent = null;
            while (torrent == null && System.nanoTime() < deadline) {
                JsonObject state = await(client.get(web, "127.0.0.1", "/api/node").send()).bodyAsJsonObject();
                if (!state.getJsonArray("torrents").isEmpty()) {
                    torrent = state.getJsonArray("torrents").getJsonObject(0);
                }
                Thread.sleep(200);
            }
            assertThat(torrent).isNotNull();
            assertThat(torrent.getString("infoHash")).isEqualTo(m.infoHash().hex());
            assertThat(torrent.getDouble("progress")).isEqualTo(1.0);
            assertThat(String.join("\n", again.out) + String.join("\n", again.err)).contains("resume data matches the files");
            sigterm(again);
            assertThat(again.awaitExit(30)).isZero();
        }
    }

    /**
     * SIGTERM with kill(1), not Process.destroy(): destroy closes our ends of the child's pipes
     * first, so whatever the child prints while stopping would be lost.
     */
    static void sigterm(Proc p) throws Exception {
        assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(p.process.pid())).start().waitFor()).isZero();
    }

    @Test
    void badOptionsAreRefusedInOneLine() throws Exception {
        try (Proc node = Proc.enjambre("node", dir, "node", "--web-port", "70000", "--data", dir.toString())) {
            assertThat(node.awaitExit(30)).isNotZero();
            assertThat(node.err).anyMatch(l -> l.contains("ports must be 0..65535"));
        }
    }

}
