package org.enjambre.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.metainfo.TorrentBuilder;
import org.enjambre.node.EnjambreNode;
import org.enjambre.node.NodeSettings;
import org.enjambre.node.NodeState;
import org.enjambre.node.TestSwarm;
import io.vertx.core.Future;
import io.vertx.ext.web.client.HttpRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's REST API through the Vert.x web client, against a running cluster of one tracker
 * node, one seeding node and two leeching nodes (real sockets, random ports).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeRestApiIT {
    static final Pattern HEX40 = Pattern.compile("[0-9a-f]{40}");

    @TempDir
    static Path dir;
    static TestSwarm swarm;
    static Vertx vertx;
    static WebClient client;

    @BeforeAll
    static void startSwarm() throws Exception {
        // The leechers start in the first test, which looks at the seeder's peers while they download
        // (complete peers may drop their connections to each other afterwards).
        swarm = TestSwarm.startSeeded(dir, 3 * 1024 * 1024, 32 * 1024, 512 * 1024);
        vertx = Vertx.vertx();
        client = WebClient.create(vertx);
    }

    @AfterAll
    static void stopSwarm() throws Exception {
        if (client != null) {
            client.close();
        }
        if (vertx != null) {
            join(vertx.close());
        }
        if (swarm != null) {
            swarm.close();
        }
    }

    /** A change: carries the node's token, as the dashboard does. */
    static HttpRequest<Buffer> post(EnjambreNode node, String path) {
        return client.post(node.webPort(), "127.0.0.1", path).bearerTokenAuthentication(node.apiToken());
    }

    static HttpRequest<Buffer> delete(EnjambreNode node, String path) {
        return client.delete(node.webPort(), "127.0.0.1", path).bearerTokenAuthentication(node.apiToken());
    }

    static <T> T join(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    static HttpResponse<Buffer> get(EnjambreNode node, String path) throws Exception {
        return join(client.get(node.webPort(), "127.0.0.1", path).send());
    }

    /** Polls GET path until the JSON satisfies the condition (bounded in time). */
    static JsonObject await(EnjambreNode node, String path, Duration limit, Predicate<JsonObject> ok) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        JsonObject last = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<Buffer> r = get(node, path);
            if (r.statusCode() == 200) {
                last = r.bodyAsJsonObject();
                if (ok.test(last)) {
                    return last;
                }
            }
            Thread.sleep(250);
        }
        throw new AssertionError("condition not met within " + limit + " on " + path + "; last: " + last);
    }

    @Test
    @Order(2)
    void swarmAggregatesEveryNodeAndTheTrackerFromTheEventBus() throws Exception {
        // The member's dashboard hears every node: itself on the cluster's bus, the peer nodes through its
        // report bridge. The peer nodes are no members: the cluster is the tracker alone.
        JsonObject doc = await(swarm.tracker, "/api/swarm", Duration.ofSeconds(30), d ->
                names(d.getJsonArray("nodes")).containsAll(Set.of("tracker-1", "seed-1", "leech-1", "leech-2"))
                        && d.getJsonArray("trackers").size() == 1
                        && d.getJsonArray("trackers").getJsonObject(0).getJsonArray("members").size() == 1);
        JsonObject tracker = doc.getJsonArray("trackers").getJsonObject(0);
        assertThat(tracker.getString("name")).isEqualTo("tracker-1");
        assertThat(tracker.getBoolean("up")).isTrue();
        assertThat(tracker.getString("announceUrl")).isEqualTo(swarm.tracker.announceUrl());
        for (Object n : doc.getJsonArray("nodes")) {
            JsonObject node = (JsonObject) n;
            assertThat(node.getString("name")).isNotBlank();
            assertThat(node.getString("id")).isNotBlank();
            for (Object t : node.getJsonArray("torrents")) {
                JsonObject torrent = (JsonObject) t;
                assertThat(torrent.getString("infoHash")).matches(HEX40);
                assertThat(torrent.getValue("progress")).isInstanceOf(Number.class);
                assertThat(torrent.getDouble("progress")).isBetween(0.0, 1.0);
                assertThat(torrent.getString("bitfield")).isNotNull();
            }
        }
        // The leechers finish, the tracker counts them, and the data is byte-exact.
        String hash = swarm.torrent.infoHash().hex();
        JsonObject done = await(swarm.tracker, "/api/swarm", Duration.ofSeconds(60), d -> {
            JsonObject t = torrent(d, hash);
            return t != null && t.getJsonArray("nodes").size() == 3
                    && t.getJsonArray("nodes").stream().allMatch(x -> ((JsonObject) x).getDouble("progress") == 1.0)
                    && t.getInteger("seeders") == 3;
        });
        assertThat(torrent(done, hash).getInteger("leechers")).isZero();
        assertThat(torrent(done, hash).getLong("completed")).isEqualTo(2);
        for (String leech : List.of("leech-1", "leech-2")) {
            assertThat(Files.readAllBytes(dir.resolve(leech).resolve("swarm.bin"))).isEqualTo(swarm.content);
        }
    }

    @Test
    @Order(1)
    void nodeStateNamesPeersWithTheirClientFlagsAndProgress() throws Exception {
        swarm.startLeeching();
        String hash = swarm.torrent.infoHash().hex();
        JsonObject node = await(swarm.seed, "/api/node", Duration.ofSeconds(30), n -> {
            JsonObject t = hosted(n, hash);
            return t != null && t.getJsonArray("peers").size() >= 2;
        });
        assertThat(node.getString("name")).isEqualTo("seed-1");
        assertThat(node.getJsonObject("dht")).isEqualTo(new JsonObject().put("enabled", false)); // the test swarm runs --no-dht
        assertThat(node.getJsonArray("torrents")).hasSize(2);
        JsonObject t = hosted(node, hash);
        assertThat(t.getDouble("progress")).isEqualTo(1.0);
        assertThat(t.getBoolean("complete")).isTrue();
        assertThat(t.getInteger("pieceCount")).isEqualTo(swarm.torrent.info().pieceCount());
        assertThat(t.getJsonObject("counts").getInteger("piecesVerified")).isEqualTo(t.getInteger("pieceCount"));
        JsonObject peer = t.getJsonArray("peers").getJsonObject(0);
        assertThat(peer.getString("client")).isEqualTo("Enjambre 0.0.1");
        assertThat(peer.getString("address")).startsWith("127.0.0.1:");
        assertThat(peer.getJsonObject("flags").fieldNames())
                .containsExactlyInAnyOrder("amChoking", "amInterested", "peerChoking", "peerInterested");
        assertThat(peer.getDouble("progress")).isBetween(0.0, 1.0);
        assertThat(peer.getJsonObject("rates").fieldNames()).containsExactlyInAnyOrder("up", "down");
    }

    @Test
    void addingATorrentDownloadsItAndBadInputGetsA4xxWithAnError() throws Exception {
        // A torrent the seeder has, added to leech-1 through the API.
        byte[] data = new byte[200_000];
        new Random(7).nextBytes(data);
        Files.write(dir.resolve("seed-1").resolve("added.bin"), data);
        Metainfo m = TorrentBuilder.forPath(dir.resolve("seed-1").resolve("added.bin")).pieceLength(16384)
                .trackers(List.of(swarm.tracker.announceUrl())).build();
        assertThat(postTorrent(swarm.seed, m.encode()).statusCode()).isEqualTo(201);
        HttpResponse<Buffer> added = postTorrent(swarm.leech1, m.encode());
        assertThat(added.statusCode()).isEqualTo(201);
        assertThat(added.bodyAsJsonObject().getString("infoHash")).isEqualTo(m.infoHash().hex());
        assertThat(added.bodyAsJsonObject().getString("name")).isEqualTo("added.bin");

        HttpResponse<Buffer> again = postTorrent(swarm.leech1, m.encode());
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(again.bodyAsJsonObject().getString("error")).contains("already hosted");
        HttpResponse<Buffer> garbage = postTorrent(swarm.leech1, "not bencode".getBytes());
        assertThat(garbage.statusCode()).isEqualTo(400);
        assertThat(garbage.bodyAsJsonObject().getString("error")).contains("not a valid .torrent");
        HttpResponse<Buffer> noField = join(post(swarm.leech1, "/api/node/torrents")
                .sendMultipartForm(MultipartForm.create().attribute("x", "y")));
        assertThat(noField.statusCode()).isEqualTo(400);
        assertThat(noField.bodyAsJsonObject().getString("error")).contains("'torrent'");

        await(swarm.leech1, "/api/node", Duration.ofSeconds(30), n -> {
            JsonObject t = hosted(n, m.infoHash().hex());
            return t != null && t.getDouble("progress") == 1.0;
        });
        assertThat(Files.readAllBytes(dir.resolve("leech-1").resolve("added.bin"))).isEqualTo(data);

        HttpResponse<Buffer> removed = join(delete(swarm.leech1, "/api/node/torrents/" + m.infoHash().hex().toUpperCase()).send());
        assertThat(removed.statusCode()).isEqualTo(200);
        // The node's state is republished every second: the torrent leaves it at the next one.
        await(swarm.leech1, "/api/node", Duration.ofSeconds(5), n -> hosted(n, m.infoHash().hex()) == null);
        assertThat(dir.resolve("leech-1").resolve("added.bin")).exists();
        assertThat(dir.resolve("leech-1" + NodeState.SUFFIX + "/torrents/" + m.infoHash().hex() + ".torrent")).doesNotExist();
        HttpResponse<Buffer> unknown = join(delete(swarm.leech1, "/api/node/torrents/" + m.infoHash().hex()).send());
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.bodyAsJsonObject().getString("error")).contains("not hosted");
        HttpResponse<Buffer> badHash = join(delete(swarm.leech1, "/api/node/torrents/xyz").send());
        assertThat(badHash.statusCode()).isEqualTo(400);
        assertThat(badHash.bodyAsJsonObject().getString("error")).contains("40 hexadecimal");
    }

    @Test
    void aMagnetIsHostedFetchesItsMetadataFromAPeerAndDownloadsByteExact() throws Exception {
        Path seedData = dir.resolve("seed-1");
        byte[] bytes = new byte[200_000];
        new Random(12).nextBytes(bytes);
        Files.write(seedData.resolve("magnet.bin"), bytes);
        Metainfo m = TorrentBuilder.forPath(seedData.resolve("magnet.bin")).pieceLength(16384).build();
        join(swarm.seed.library().add(m.encode()));
        String magnet = "magnet:?xt=urn:btih:" + m.infoHash().hex() + "&dn=magnet.bin&x.pe=127.0.0.1:"
                + swarm.seed.peerPort();

        HttpResponse<Buffer> r = join(post(swarm.leech2, "/api/node/torrents")
                .sendJsonObject(new JsonObject().put("magnet", magnet)));

        assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
        assertThat(r.bodyAsJsonObject().getString("infoHash")).isEqualTo(m.infoHash().hex());
        assertThat(r.bodyAsJsonObject().getString("name")).isEqualTo("magnet.bin");
        assertThat(r.bodyAsJsonObject().getBoolean("fetchingMetadata")).isTrue();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && (swarm.leech2.library().engine(m.infoHash()) == null
                || !swarm.leech2.library().engine(m.infoHash()).state().complete())) {
            Thread.sleep(100);
        }
        assertThat(swarm.leech2.library().engine(m.infoHash())).isNotNull();
        assertThat(swarm.leech2.library().engine(m.infoHash()).state().complete()).isTrue();
        assertThat(Files.readAllBytes(dir.resolve("leech-2/magnet.bin"))).isEqualTo(bytes);

        HttpResponse<Buffer> again = join(post(swarm.leech2, "/api/node/torrents")
                .sendJsonObject(new JsonObject().put("magnet", magnet)));
        assertThat(again.statusCode()).isEqualTo(409);
    }

    @Test
    void aMagnetWithOnlyATrackerFindsItsPeersThereAndDownloads() throws Exception {
        String magnet = "magnet:?xt=urn:btih:" + swarm.torrent.infoHash().hex() + "&tr="
                + java.net.URLEncoder.encode(swarm.tracker.announceUrl(), java.nio.charset.StandardCharsets.UTF_8);
        HttpResponse<Buffer> r = join(post(swarm.tracker, "/api/node/torrents")
                .sendJsonObject(new JsonObject().put("magnet", magnet)));
        assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
        assertThat(r.bodyAsJsonObject().getString("name")).as("no dn: the hash").isEqualTo(swarm.torrent.infoHash().hex());

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline && (swarm.tracker.library().engine(swarm.torrent.infoHash()) == null
                || !swarm.tracker.library().engine(swarm.torrent.infoHash()).state().complete())) {
            Thread.sleep(100);
        }
        assertThat(swarm.tracker.library().engine(swarm.torrent.infoHash())).isNotNull();
        assertThat(swarm.tracker.library().engine(swarm.torrent.infoHash()).state().complete()).isTrue();
        assertThat(Files.readAllBytes(dir.resolve("tracker-1/swarm.bin"))).isEqualTo(swarm.content);
    }

    @Test
    void aMagnetWaitingForItsMetadataIsShownByNameWithItsPeersAndNoPieces() throws Exception {
        String hash = "cd".repeat(20);
        HttpResponse<Buffer> r = join(post(swarm.leech1, "/api/node/torrents")
                .sendJsonObject(new JsonObject().put("magnet", "magnet:?xt=urn:btih:" + hash + "&dn=lonely")));
        assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);

        JsonObject node = await(swarm.leech1, "/api/node", Duration.ofSeconds(30),
                d -> torrent(d, hash) != null);
        JsonObject fetching = torrent(node, hash);
        assertThat(fetching.getString("name")).isEqualTo("lonely");
        assertThat(fetching.getBoolean("fetchingMetadata")).isTrue();
        assertThat(fetching.getInteger("pieceCount")).isZero();
        assertThat(fetching.getJsonObject("counts").getInteger("peers")).isZero();
        assertThat(org.enjambre.report.StateSchema.stateProblem(node)).isEmpty();

        HttpResponse<Buffer> removed = join(delete(swarm.leech1, "/api/node/torrents/" + hash).send());
        assertThat(removed.statusCode()).isEqualTo(200);
        await(swarm.leech1, "/api/node", Duration.ofSeconds(30), d -> torrent(d, hash) == null);
    }

    @Test
    void badMagnetLinksAreRefusedWithAClearReason() throws Exception {
        HttpResponse<Buffer> bad = join(post(swarm.leech1, "/api/node/torrents")
                .sendJsonObject(new JsonObject().put("magnet", "magnet:?xt=urn:btih:nothex")));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.bodyAsJsonObject().getString("error")).startsWith("not a valid magnet link");
        HttpResponse<Buffer> notJson = join(post(swarm.leech1, "/api/node/torrents")
                .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("{nope")));
        assertThat(notJson.statusCode()).isEqualTo(400);
    }

    @Test
    void createAnswersATorrentThatParsesAndRefusesBadFields() throws Exception {
        byte[] data = "hello swarm\n".repeat(5000).getBytes();
        HttpResponse<Buffer> r = join(post(swarm.leech2, "/api/torrents")
                .sendMultipartForm(MultipartForm.create()
                        .attribute("trackers", swarm.tracker.announceUrl())
                        .attribute("pieceLength", "16384")
                        .binaryFileUpload("file", "hello.txt", Buffer.buffer(data), "text/plain")));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.getHeader("Content-Type")).isEqualTo("application/x-bittorrent");
        Metainfo m = Metainfo.parse(r.bodyAsBuffer().getBytes());
        assertThat(m.info().name()).isEqualTo("hello.txt");
        assertThat(m.info().totalLength()).isEqualTo(data.length);
        assertThat(m.info().pieceLength()).isEqualTo(16384);
        assertThat(m.announce()).isEqualTo(swarm.tracker.announceUrl());
        assertThat(r.getHeader("X-Info-Hash")).isEqualTo(m.infoHash().hex());
        // Nothing of the upload is left behind when not seeding.
        assertThat(dir.resolve("leech-2").resolve("hello.txt")).doesNotExist();

        HttpResponse<Buffer> badPiece = join(post(swarm.leech2, "/api/torrents")
                .sendMultipartForm(MultipartForm.create().attribute("pieceLength", "1000")
                        .binaryFileUpload("file", "a.txt", Buffer.buffer("a"), "text/plain")));
        assertThat(badPiece.statusCode()).isEqualTo(400);
        assertThat(badPiece.bodyAsJsonObject().getString("error")).contains("power of two");
        HttpResponse<Buffer> noFile = join(post(swarm.leech2, "/api/torrents")
                .sendMultipartForm(MultipartForm.create().attribute("name", "x")));
        assertThat(noFile.statusCode()).isEqualTo(400);
        HttpResponse<Buffer> unsafe = join(post(swarm.leech2, "/api/torrents")
                .sendMultipartForm(MultipartForm.create().attribute("name", "..")
                        .binaryFileUpload("file", "a.txt", Buffer.buffer("a"), "text/plain")));
        assertThat(unsafe.statusCode()).isEqualTo(400);
        assertThat(unsafe.bodyAsJsonObject().getString("error")).contains("unsafe path");
        HttpResponse<Buffer> tooBig = join(post(swarm.leech2, "/api/torrents")
                .sendMultipartForm(MultipartForm.create()
                        .binaryFileUpload("file", "big.bin", Buffer.buffer(new byte[9 * 1024 * 1024]), "application/octet-stream")));
        assertThat(tooBig.statusCode()).isEqualTo(413);
        assertThat(tooBig.bodyAsJsonObject().getString("error")).contains("limit");
    }

    @Test
    void seedFromUploadKeepsTheFilesSeedsThemAndRegistersThem() throws Exception {
        byte[] data = new byte[100_000];
        new Random(3).nextBytes(data);
        HttpResponse<Buffer> r = join(post(swarm.tracker, "/api/node/seed")
                .sendMultipartForm(MultipartForm.create()
                        .attribute("trackers", swarm.tracker.announceUrl())
                        .binaryFileUpload("file", "seeded.bin", Buffer.buffer(data), "application/octet-stream")));
        assertThat(r.statusCode()).isEqualTo(201);
        Metainfo m = Metainfo.parse(r.bodyAsBuffer().getBytes());
        assertThat(Files.readAllBytes(dir.resolve("tracker-1").resolve("seeded.bin"))).isEqualTo(data);
        JsonObject node = await(swarm.tracker, "/api/node", Duration.ofSeconds(5), n -> hosted(n, m.infoHash().hex()) != null);
        assertThat(hosted(node, m.infoHash().hex()).getDouble("progress")).isEqualTo(1.0);
        // Registered for the trackers too (a member's upload: a peer node has no access to the cluster's
        // map): the tracker lists it by name.
        HttpResponse<Buffer> listed = join(client.get(swarm.tracker.trackerPort(), "127.0.0.1",
                "/api/torrents/" + m.infoHash().hex()).send());
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(listed.bodyAsJsonObject().getString("name")).isEqualTo("seeded.bin");
        // Existing content is never overwritten.
        HttpResponse<Buffer> again = join(post(swarm.tracker, "/api/node/seed")
                .sendMultipartForm(MultipartForm.create()
                        .binaryFileUpload("file", "seeded.bin", Buffer.buffer(new byte[10]), "application/octet-stream")));
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(Files.readAllBytes(dir.resolve("tracker-1").resolve("seeded.bin"))).isEqualTo(data);
    }

    @Test
    void metricsArePrometheusTextWithTransferAndTrackerCounters() throws Exception {
        await(swarm.seed, "/api/node", Duration.ofSeconds(30), n -> {
            JsonObject t = hosted(n, swarm.torrent.infoHash().hex());
            return t != null && t.getJsonObject("counts").getLong("uploaded") > 0;
        });
        String seedMetrics = get(swarm.seed, "/metrics").bodyAsString();
        assertThat(metric(seedMetrics, "enjambre_bytes_uploaded_total", "seed-1")).isPositive();
        assertThat(seedMetrics).contains("enjambre_peers{node=\"seed-1\"}")
                .contains("enjambre_pieces_verified_total{node=\"seed-1\"}")
                .contains("enjambre_hash_failures_total{node=\"seed-1\"}");
        String trackerMetrics = get(swarm.tracker, "/metrics").bodyAsString();
        assertThat(metric(trackerMetrics, "enjambre_tracker_announces_total", "tracker-1")).isGreaterThanOrEqualTo(3);
        // Vert.x's own meters are there too (HTTP server requests of the web port).
        assertThat(trackerMetrics).contains("vertx_http_server_requests_total");
    }

    @Test
    void unknownApiPathsAnswerJson404() throws Exception {
        HttpResponse<Buffer> r = get(swarm.seed, "/api/nothing");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.bodyAsJsonObject().getString("error")).contains("/api/nothing");
        HttpResponse<Buffer> page = get(swarm.seed, "/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.bodyAsString()).contains("<canvas id=\"piecemap\"");
    }

    @Test
    void hostedTorrentsSurviveARestartFromResumeData() throws Exception {
        Path data = dir.resolve("restart");
        Files.createDirectories(data);
        byte[] bytes = new byte[300_000];
        new Random(11).nextBytes(bytes);
        Files.write(data.resolve("kept.bin"), bytes);
        Metainfo m = TorrentBuilder.forPath(data.resolve("kept.bin")).pieceLength(16384).build();
        NodeSettings settings = new NodeSettings("restarting", "127.0.0.1", 0, 0, false, 0, 60, data, 0, 1 << 20);
        try (EnjambreNode first = EnjambreNode.start(settings, null)) {
            join(first.library().add(m.encode()));
        }
        // The node's own files lie beside the data folder, none in it.
        assertThat(dir.resolve("restart" + NodeState.SUFFIX + "/resume/" + m.infoHash().hex() + ".resume")).exists();
        assertThat(data.resolve(".enjambre")).doesNotExist();
        try (EnjambreNode second = EnjambreNode.start(settings, null)) {
            var engine = second.library().engine(m.infoHash());
            assertThat(engine).isNotNull();
            assertThat(engine.state().complete()).isTrue();
            // A magnet whose metadata has not come yet is kept as a magnet.
            join(second.library().hostMagnet(org.enjambre.metainfo.MagnetUri.parse(
                    "magnet:?xt=urn:btih:" + "ef".repeat(20) + "&dn=waiting")));
        }
        try (EnjambreNode third = EnjambreNode.start(settings, null)) {
            assertThat(third.library().fetching()).singleElement()
                    .satisfies(f -> assertThat(f.magnet().displayName()).isEqualTo("waiting"));
            assertThat(third.library().engine(m.infoHash())).isNotNull();
        }
    }

    static HttpResponse<Buffer> postTorrent(EnjambreNode node, byte[] torrent) throws Exception {
        return join(post(node, "/api/node/torrents")
                .sendMultipartForm(MultipartForm.create()
                        .binaryFileUpload("torrent", "t.torrent", Buffer.buffer(torrent), "application/x-bittorrent")));
    }

    static Set<String> names(JsonArray nodes) {
        Set<String> out = new HashSet<>();
        for (Object n : nodes) {
            out.add(((JsonObject) n).getString("name"));
        }
        return out;
    }

    static JsonObject torrent(JsonObject swarmDoc, String hash) {
        for (Object t : swarmDoc.getJsonArray("torrents")) {
            if (((JsonObject) t).getString("infoHash").equals(hash)) {
                return (JsonObject) t;
            }
        }
        return null;
    }

    static JsonObject hosted(JsonObject node, String hash) {
        for (Object t : node.getJsonArray("torrents")) {
            if (((JsonObject) t).getString("infoHash").equals(hash)) {
                return (JsonObject) t;
            }
        }
        return null;
    }

    static double metric(String text, String name, String node) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name + "{node=\"" + node + "\"}") + " (\\S+)$").matcher(text);
        if (!m.find()) {
            throw new AssertionError(name + " for " + node + " not in metrics:\n" + text);
        }
        return Double.parseDouble(m.group(1));
    }

}
