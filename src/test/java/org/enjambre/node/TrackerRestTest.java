package org.enjambre.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.BList;
import org.enjambre.bencode.Bencode;
import org.enjambre.metainfo.Metainfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tracker node in-process: HTTP announce end to end, the allow list and the REST API. */
class TrackerRestTest {
    static final long MAX_UPLOAD = 256 * 1024;
    static final String ALLOWED = "aa".repeat(20);
    static TrackerNode node;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        node = TrackerNode.start(new TrackerSettings("127.0.0.1", 0, 60, null, MAX_UPLOAD), null, 1);
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    static HttpResponse<byte[]> get(TrackerNode n, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.port() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static JsonObject json(HttpResponse<byte[]> r) {
        return new JsonObject(new String(r.body(), StandardCharsets.UTF_8));
    }

    /** A multipart/form-data body: fields, then files (name to content). */
    static HttpResponse<byte[]> upload(Map<String, String> fields, Map<String, byte[]> files) throws Exception {
        return upload(node, fields, files);
    }

    static HttpResponse<byte[]> upload(TrackerNode node, Map<String, String> fields, Map<String, byte[]> files) throws Exception {
        String boundary = "----enjambre" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Map.Entry<String, String> f : fields.entrySet()) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.getKey() + "\"\r\n\r\n"
                    + f.getValue() + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"" + f.getKey()
                    + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(f.getValue());
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/api/torrents"))
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void uploadOfSeveralFilesAnswersTheTorrentAndRegistersIt() throws Exception {
        HttpResponse<byte[]> r = upload(
                new java.util.LinkedHashMap<>(Map.of("name", "bundle", "pieceLength", "16384",
                        "trackers", "http://127.0.0.1:" + node.port() + "/announce")),
                new java.util.LinkedHashMap<>(Map.of("a.bin", random(40_000, 1), "b.txt", "hello".getBytes(StandardCharsets.UTF_8))));
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/x-bittorrent");
        Metainfo m = Metainfo.parse(r.body());
        assertThat(m.info().name()).isEqualTo("bundle");
        assertThat(m.info().pieceLength()).isEqualTo(16384);
        assertThat(m.info().totalLength()).isEqualTo(40_005);
        assertThat(m.info().files()).extracting(f -> String.join("/", f.path())).containsExactly("a.bin", "b.txt");
        assertThat(m.announce()).isEqualTo("http://127.0.0.1:" + node.port() + "/announce");
        String hash = m.infoHash().hex();
        assertThat(r.headers().firstValue("X-Info-Hash")).hasValue(hash);

        JsonObject one = json(get(node, "/api/torrents/" + hash));
        assertThat(one.getBoolean("registered")).isTrue();
        assertThat(one.getString("name")).isEqualTo("bundle");
        assertThat(one.getJsonArray("peers")).isEmpty();
        JsonArray all = new JsonArray(new String(get(node, "/api/torrents").body(), StandardCharsets.UTF_8));
        assertThat(all.stream().map(o -> ((JsonObject) o).getString("infoHash"))).contains(hash);
    }

    @Test
    void uploadOfOneFileIsNamedAfterIt() throws Exception {
        HttpResponse<byte[]> r = upload(Map.of(), Map.of("song.ogg", random(1000, 2)));
        assertThat(r.statusCode()).isEqualTo(200);
        Metainfo m = Metainfo.parse(r.body());
        assertThat(m.info().name()).isEqualTo("song.ogg");
        assertThat(m.info().files()).hasSize(1);
        assertThat(m.trackers()).isEmpty();
    }

    @Test
    void uploadPastTheLimitIsRefusedWith413() throws Exception {
        HttpResponse<byte[]> r = upload(Map.of("name", "big"), Map.of("big.bin", new byte[(int) MAX_UPLOAD + 1]));
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(json(r).getString("error")).contains("limit of " + MAX_UPLOAD);
    }

    @Test
    void badPieceLengthIsRefusedWith400() throws Exception {
        HttpResponse<byte[]> notNumber = upload(Map.of("pieceLength", "big"), Map.of("x", new byte[10]));
        assertThat(notNumber.statusCode()).isEqualTo(400);
        assertThat(json(notNumber).getString("error")).contains("pieceLength");
        HttpResponse<byte[]> notPowerOfTwo = upload(Map.of("pieceLength", "20000"), Map.of("x", new byte[10]));
        assertThat(notPowerOfTwo.statusCode()).isEqualTo(400);
        assertThat(json(notPowerOfTwo).getString("error")).contains("power of two");
    }

    @Test
    void badTrackerUrlIsRefusedWith400() throws Exception {
        HttpResponse<byte[]> r = upload(Map.of("trackers", "not-a-url"), Map.of("x", new byte[10]));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).getString("error")).contains("tracker");
    }

    @Test
    void uploadWithoutFilesIsRefusedWith400() throws Exception {
        HttpResponse<byte[]> r = upload(Map.of("name", "empty"), Map.of());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).getString("error")).contains("no file");
    }

    @Test
    void severalFilesWithoutANameAreRefusedWith400() throws Exception {
        HttpResponse<byte[]> r = upload(Map.of(), new java.util.LinkedHashMap<>(Map.of("a", new byte[1], "b", new byte[1])));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).getString("error")).contains("name is required");
    }

    @Test
    void unsafeFileNameIsRefusedWith400() throws Exception {
        HttpResponse<byte[]> r = upload(Map.of("name", "evil"), Map.of("../escape", new byte[1], "ok", new byte[1]));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).getString("error")).contains("unsafe path");
    }

    @Test
    void unknownTorrentIs404AndMalformedHashIs400() throws Exception {
        HttpResponse<byte[]> unknown = get(node, "/api/torrents/" + "12".repeat(20));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).getString("error")).contains("unknown torrent");
        HttpResponse<byte[]> bad = get(node, "/api/torrents/xyz");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).getString("error")).contains("40 hexadecimal");
        assertThat(get(node, "/api/nothing").statusCode()).isEqualTo(404);
    }

    @Test
    void clusterListsThisLoneMember() throws Exception {
        JsonObject c = json(get(node, "/api/cluster"));
        assertThat(c.getInteger("size")).isEqualTo(1);
        assertThat(c.getJsonArray("members").getJsonObject(0).getBoolean("local")).isTrue();
    }

    @Test
    void announceOverHttpAnswersTheDictionaryModelAndTheApiShowsThePeers() throws Exception {
        String hash = "%01".repeat(20);
        get(node, "/announce?info_hash=" + hash + "&peer_id=-EJ0001-aaaaaaaaaaaa&port=7001&left=0&event=started");
        HttpResponse<byte[]> r = get(node, "/announce?info_hash=" + hash + "&peer_id=-EJ0001-bbbbbbbbbbbb&port=7002&left=5&compact=0&no_peer_id=0");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(new String(r.body(), StandardCharsets.ISO_8859_1)).isEqualTo(
                "d8:completei1e10:incompletei1e8:intervali60e12:min intervali30e5:peersl"
                        + "d2:ip9:127.0.0.17:peer id20:-EJ0001-aaaaaaaaaaaa4:porti7001ee" + "ee");
        // Without no_peer_id=0, the dictionary model gives no peer ids.
        HttpResponse<byte[]> plain = get(node, "/announce?info_hash=" + hash + "&peer_id=-EJ0001-bbbbbbbbbbbb&port=7002&left=5&compact=0");
        assertThat(new String(plain.body(), StandardCharsets.ISO_8859_1)).isEqualTo(
                "d8:completei1e10:incompletei1e8:intervali60e12:min intervali30e5:peersl"
                        + "d2:ip9:127.0.0.14:porti7001ee" + "ee");
        // From loopback, the ip parameter is honoured (documented rule).
        HttpResponse<byte[]> withIp = get(node, "/announce?info_hash=" + hash + "&peer_id=-EJ0001-cccccccccccc&port=7003&left=5&compact=0&ip=10.9.8.7");
        assertThat(((BList) ((BDict) Bencode.parse(withIp.body())).get("peers")).size()).isEqualTo(2);
        JsonObject t = json(get(node, "/api/torrents/" + "01".repeat(20)));
        assertThat(t.getInteger("seeders")).isEqualTo(1);
        assertThat(t.getInteger("leechers")).isEqualTo(2);
        assertThat(t.getJsonArray("peers").stream().map(p -> ((JsonObject) p).getString("ip")))
                .containsExactlyInAnyOrder("127.0.0.1", "127.0.0.1", "10.9.8.7");
        // The REST API lists addresses, never peer ids (anyone reading it could speak for a peer).
        assertThat(t.getJsonArray("peers")).allSatisfy(p -> assertThat(((JsonObject) p).fieldNames())
                .containsExactlyInAnyOrder("ip", "port", "seeder", "lastAnnounce"));
    }

    @Test
    void theAllowListAlsoRefusesRegistrationsThroughTheApi() throws Exception {
        try (TrackerNode listed = TrackerNode.start(new TrackerSettings("127.0.0.1", 0, 60, java.util.Set.of("00".repeat(20)), MAX_UPLOAD), null, 1)) {
            HttpResponse<byte[]> r = upload(listed, Map.of("name", "not-listed"), Map.of("x.bin", random(1000, 3)));
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(json(r).getString("error")).startsWith("torrent not served by this tracker");
            assertThat(new JsonArray(new String(get(listed, "/api/torrents").body(), StandardCharsets.UTF_8))).isEmpty();
        }
    }

    @Test
    void peersExpireAfterTwiceTheIntervalAndIdleSwarmsAreSwept() throws Exception {
        try (TrackerNode quick = TrackerNode.start(new TrackerSettings("127.0.0.1", 0, 1, null, MAX_UPLOAD), null, 1)) {
            String hash = "%02".repeat(20);
            get(quick, "/announce?info_hash=" + hash + "&peer_id=-EJ0001-aaaaaaaaaaaa&port=7001&left=0");
            assertThat(get(quick, "/api/torrents/" + "02".repeat(20)).statusCode()).isEqualTo(200);
            // interval 1 s: forgotten after 2 s without announce; the sweep (every second) drops the swarm.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            int status = 200;
            while (status == 200 && System.nanoTime() < deadline) {
                Thread.sleep(250);
                status = get(quick, "/api/torrents/" + "02".repeat(20)).statusCode();
            }
            assertThat(status).isEqualTo(404);
            HttpResponse<byte[]> r = get(quick, "/announce?info_hash=" + hash + "&peer_id=-EJ0001-bbbbbbbbbbbb&port=7002&left=5");
            assertThat(new String(r.body(), StandardCharsets.ISO_8859_1)).isEqualTo(
                    "d8:completei0e10:incompletei1e8:intervali1e12:min intervali1e5:peers0:e");
        }
    }

    @Test
    void scrapeOfTheMostHashesAllowedFitsInOneRequest() throws Exception {
        StringBuilder q = new StringBuilder("/scrape?");
        for (int i = 0; i < org.enjambre.tracker.protocol.ScrapeParser.MAX_HASHES; i++) {
            q.append("info_hash=").append(String.format("%%%02x", i).repeat(20)).append('&');
        }
        HttpResponse<byte[]> r = get(node, q.toString());
        assertThat(r.statusCode()).isEqualTo(200);
        BDict files = (BDict) ((BDict) Bencode.parse(r.body())).get("files");
        assertThat(files.entries()).hasSize(org.enjambre.tracker.protocol.ScrapeParser.MAX_HASHES);
        HttpResponse<byte[]> tooMany = get(node, q + "info_hash=" + "%ff".repeat(20));
        assertThat(new String(tooMany.body(), StandardCharsets.ISO_8859_1)).contains("too many info_hash values");
    }

    @Test
    void aTakenPortIsAClearError() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TrackerNode.start(
                        new TrackerSettings("127.0.0.1", node.port(), 60, null, MAX_UPLOAD), null, 1))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("cannot listen on 127.0.0.1:" + node.port());
    }

    @Test
    void allowListRefusesOtherTorrents() throws Exception {
        try (TrackerNode restricted = TrackerNode.start(new TrackerSettings("127.0.0.1", 0, 60, Set.of(ALLOWED), MAX_UPLOAD), null, 1)) {
            HttpResponse<byte[]> refused = get(restricted, "/announce?info_hash=" + "%bb".repeat(20) + "&peer_id=-EJ0001-aaaaaaaaaaaa&port=7001&left=0");
            assertThat(new String(refused.body(), StandardCharsets.ISO_8859_1))
                    .isEqualTo("d14:failure reason34:torrent not served by this tracker" + "e");
            HttpResponse<byte[]> served = get(restricted, "/announce?info_hash=" + "%aa".repeat(20) + "&peer_id=-EJ0001-aaaaaaaaaaaa&port=7001&left=0");
            assertThat(new String(served.body(), StandardCharsets.ISO_8859_1)).startsWith("d8:completei1e");
            assertThat(List.of(refused.statusCode(), served.statusCode())).containsOnly(200);
        }
    }
}
