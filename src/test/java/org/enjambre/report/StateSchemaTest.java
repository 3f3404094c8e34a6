package org.enjambre.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The state messages of docs/state.md: what a node publishes passes; a forged one is named wrong. */
class StateSchemaTest {
    static JsonObject rates() {
        return new JsonObject().put("up", 262144L).put("down", 0L);
    }

    /** A state as StateVerticle publishes it: one torrent, one peer. */
    static JsonObject validState(String id) {
        JsonObject peer = new JsonObject().put("address", "127.0.0.1:37117").put("peerId", "2d454a303030312d" + "0".repeat(24))
                .put("client", "Enjambre 0.0.1").put("incoming", false).put("progress", 0.14).put("pieces", 27)
                .put("bitfield", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").put("rates", rates()).put("uploaded", 442368L)
                .put("downloaded", 0L).put("flags", new JsonObject().put("amChoking", false).put("amInterested", false)
                        .put("peerChoking", true).put("peerInterested", true));
        JsonObject torrent = new JsonObject().put("infoHash", "5de961c2deb577e4047b16106eccadab164b1592")
                .put("name", "swarm.bin").put("length", 3145728L).put("pieceLength", 16384).put("pieceCount", 192)
                .put("progress", 0.396).put("complete", false).put("bitfield", "//////8AAA==").put("rates", rates())
                .put("counts", new JsonObject().put("peers", 2).put("seeds", 1).put("uploaded", 1048576L)
                        .put("downloaded", 1245184L).put("piecesVerified", 76).put("piecesTotal", 192).put("hashFailures", 0))
                .put("peers", new JsonArray().add(peer));
        return new JsonObject().put("schema", 1).put("id", id).put("name", "seed-1")
                .put("peerId", "2d454a303030312d" + "ab".repeat(12)).put("time", 1764000000000L).put("peerPort", 6881)
                .put("webPort", 8080).put("tracker", false).put("rates", rates()).put("torrents", new JsonArray().add(torrent));
    }

    static JsonObject validTracker() {
        return new JsonObject().put("schema", 1).put("id", "t-1").put("name", "tracker-1").put("time", 1764000000000L)
                .put("announceUrl", "http://127.0.0.1:6969/announce").put("announces", 1234L).put("announcesRefused", 0L)
                .put("announceRate", 2.0).put("registryUp", true)
                .put("members", new JsonArray().add(new JsonObject().put("id", "m").put("address", "127.0.0.1:5701").put("local", true)))
                .put("torrents", new JsonArray().add(new JsonObject().put("infoHash", "5de961c2deb577e4047b16106eccadab164b1592")
                        .put("seeders", 1).put("leechers", 2).put("completed", 0)));
    }

    @Test
    void theDocumentedStatesPass() {
        assertThat(StateSchema.stateProblem(validState("a"))).isEmpty();
        assertThat(StateSchema.stateProblem(validState("a").put("torrents", new JsonArray()))).isEmpty();
        assertThat(StateSchema.trackerProblem(validTracker())).isEmpty();
        assertThat(StateSchema.trackerProblem(validTracker().putNull("announceUrl"))).isEmpty();
        // Decoded from JSON text, as a bridge frame is: small numbers come back as Integer.
        assertThat(StateSchema.stateProblem(new JsonObject(validState("a").encode()))).isEmpty();
    }

    /** The DHT part of a node's state, as StateVerticle publishes it with the DHT on. */
    static JsonObject dhtOn() {
        return new JsonObject().put("enabled", true).put("nodeId", "c0".repeat(20)).put("port", 6881)
                .put("goodNodes", 31).put("questionableNodes", 2).put("storedTorrents", 4).put("storedPeers", 17)
                .put("lookups", 120L).put("lookupsInFlight", 1).put("queriesReceived", 5321L)
                .put("queriesRefused", 3L).put("malformed", 1L);
    }

    @Test
    void theDhtPartPassesOnOrOffAndMayBeAbsentFromAnOlderNode() {
        assertThat(StateSchema.stateProblem(validState("a").put("dht", dhtOn()))).isEmpty();
        assertThat(StateSchema.stateProblem(new JsonObject(validState("a").put("dht", dhtOn()).encode()))).isEmpty();
        assertThat(StateSchema.stateProblem(validState("a").put("dht", new JsonObject().put("enabled", false)))).isEmpty();
        assertThat(StateSchema.stateProblem(validState("a"))).isEmpty();
    }

    @Test
    void aForgedDhtPartIsRefusedWithItsPath() {
        assertThat(StateSchema.stateProblem(validState("a").put("dht", dhtOn().put("nodeId", "XYZ"))))
                .hasValueSatisfying(p -> assertThat(p).contains("dht.nodeId"));
        assertThat(StateSchema.stateProblem(validState("a").put("dht", dhtOn().put("goodNodes", -1))))
                .hasValueSatisfying(p -> assertThat(p).contains("dht.goodNodes"));
        assertThat(StateSchema.stateProblem(validState("a").put("dht", dhtOn().put("port", 0))))
                .hasValueSatisfying(p -> assertThat(p).contains("dht.port"));
        assertThat(StateSchema.stateProblem(validState("a").put("dht", dhtOn().put("secret", "x"))))
                .hasValueSatisfying(p -> assertThat(p).contains("secret is not in the schema"));
        // Off is off: no counters ride along with it.
        assertThat(StateSchema.stateProblem(validState("a").put("dht", dhtOn().put("enabled", false))))
                .hasValueSatisfying(p -> assertThat(p).contains("not in the schema"));
        assertThat(StateSchema.stateProblem(validState("a").put("dht", "on")))
                .hasValueSatisfying(p -> assertThat(p).contains("dht is not an object"));
        assertThat(StateSchema.stateProblem(validState("a").put("dht", dhtOn().put("lookups", 1.5))))
                .hasValueSatisfying(p -> assertThat(p).contains("dht.lookups is not an integer"));
    }

    /** A magnet link waiting for its metadata, as StateVerticle publishes it. */
    static JsonObject fetchingTorrent() {
        return new JsonObject().put("infoHash", "ab".repeat(20)).put("name", "waiting").put("length", 0)
                .put("pieceLength", 0).put("pieceCount", 0).put("progress", 0.0).put("complete", false)
                .put("fetchingMetadata", true).put("bitfield", "").put("rates", rates())
                .put("counts", new JsonObject().put("peers", 3).put("seeds", 0).put("uploaded", 0).put("downloaded", 0)
                        .put("piecesVerified", 0).put("piecesTotal", 0).put("hashFailures", 0))
                .put("peers", new JsonArray());
    }

    @Test
    void aMagnetFetchingItsMetadataPassesWithNoPiecesAndOnlyThen() {
        assertThat(StateSchema.stateProblem(validState("a").put("torrents", new JsonArray().add(fetchingTorrent()))))
                .isEmpty();
        assertThat(StateSchema.stateProblem(validState("a").put("torrents",
                new JsonArray().add(fetchingTorrent().put("pieceCount", 5))))).isPresent();
        JsonObject withoutLength = validState("a");
        withoutLength.getJsonArray("torrents").getJsonObject(0).put("pieceLength", 0);
        assertThat(StateSchema.stateProblem(withoutLength)).as("a known torrent has pieces").isPresent();
    }

    @Test
    void aStateWithoutRatesIsRefused() {
        JsonObject forged = validState("a");
        forged.remove("rates");
        assertThat(StateSchema.stateProblem(forged)).hasValue("state.rates is missing");
        JsonObject torrentWithout = validState("a");
        torrentWithout.getJsonArray("torrents").getJsonObject(0).remove("rates");
        assertThat(StateSchema.stateProblem(torrentWithout)).hasValue("torrents[0].rates is missing");
    }

    @Test
    void wrongTypesAreRefusedWithTheirPath() {
        assertThat(StateSchema.stateProblem(validState("a").put("rates", "fast"))).hasValue("rates is not an object");
        assertThat(StateSchema.stateProblem(validState("a").put("rates", new JsonObject().put("up", 1.5).put("down", 0))))
                .hasValue("rates.up is not an integer");
        assertThat(StateSchema.stateProblem(validState("a").put("id", 42))).hasValue("id is not a string");
        assertThat(StateSchema.stateProblem(validState("a").put("schema", 2))).hasValue("schema is 2, outside 1..1");
        assertThat(StateSchema.stateProblem(validState("a").put("webPort", 70000))).hasValue("webPort is 70000, outside 0..65535");
        JsonObject badProgress = validState("a");
        badProgress.getJsonArray("torrents").getJsonObject(0).put("progress", 7);
        assertThat(StateSchema.stateProblem(badProgress)).hasValue("torrents[0].progress is 7.0, outside 0.0..1.0");
        JsonObject badHash = validState("a");
        badHash.getJsonArray("torrents").getJsonObject(0).put("infoHash", "../../etc");
        assertThat(StateSchema.stateProblem(badHash)).hasValue("torrents[0].infoHash is not 40 lowercase hex digits");
        assertThat(StateSchema.stateProblem("a string")).hasValue("state is not an object");
        assertThat(StateSchema.stateProblem(null)).hasValue("state is missing");
        assertThat(StateSchema.trackerProblem(validTracker().put("members", new JsonObject()))).hasValue("members is not an array");
    }

    @Test
    void unknownFieldsAreRefused() {
        assertThat(StateSchema.stateProblem(validState("a").put("extra", "x"))).hasValue("state.extra is not in the schema");
    }

    @Test
    void oversizedStatesAreRefused() {
        JsonArray many = new JsonArray();
        for (int i = 0; i <= StateSchema.MAX_TORRENTS; i++) {
            many.add(validState("a").getJsonArray("torrents").getJsonObject(0));
        }
        assertThat(StateSchema.stateProblem(validState("a").put("torrents", many)))
                .hasValue("torrents has 1001 entries, more than 1000");
        JsonObject longName = validState("a");
        longName.getJsonArray("torrents").getJsonObject(0).put("name", "x".repeat(StateSchema.MAX_TEXT + 1));
        assertThat(StateSchema.stateProblem(longName)).hasValue("torrents[0].name is longer than 1024 characters");
        JsonObject bigBitfield = validState("a");
        bigBitfield.getJsonArray("torrents").getJsonObject(0).put("bitfield", "A".repeat(100_000));
        assertThat(StateSchema.stateProblem(bigBitfield)).hasValue("torrents[0].bitfield is longer than 32 characters");
    }
}
