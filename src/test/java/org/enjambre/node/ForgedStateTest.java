package org.enjambre.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forged messages on the event bus (what a hostile member or a bug could publish): each is dropped
 * and counted, {@code /api/swarm} keeps answering 200, and the live stream keeps flowing.
 */
@Timeout(90)
class ForgedStateTest {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dir;

    static JsonObject valid(String id, String name) {
        return new JsonObject().put("schema", 1).put("id", id).put("name", name)
                .put("peerId", "2d454a303030312d" + "ab".repeat(12)).put("time", System.currentTimeMillis())
                .put("peerPort", 6881).put("webPort", 8080).put("tracker", false)
                .put("rates", new JsonObject().put("up", 0).put("down", 0)).put("torrents", new JsonArray());
    }

    HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static double dropped(String metrics, String address) {
        Matcher m = Pattern.compile("enjambre_eventbus_dropped_total\\{address=\"" + Pattern.quote(address)
                + "\"} ([0-9.E]+)").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    @Test
    void forgedStateMessagesAreDroppedAndCountedWhileTheSwarmStaysServed() throws Exception {
        NodeSettings settings = new NodeSettings("web-node", "127.0.0.1", 0, 0, false, 0, 60, dir, 0, 1 << 20);
        try (EnjambreNode node = EnjambreNode.start(settings, (ClusterRole) null)) {
            int port = node.webPort();
            HttpResponse<InputStream> stream = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/events"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.statusCode()).isEqualTo(200);
            BufferedReader events = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));

            var bus = node.vertx().eventBus();
            JsonObject noRates = valid("forged-1", "no-rates");
            noRates.remove("rates");
            JsonObject torrentWithoutRates = valid("forged-2", "torrent-without-rates");
            torrentWithoutRates.put("torrents", new JsonArray().add(new JsonObject().put("infoHash", "5de961c2deb577e4047b16106eccadab164b1592")
                    .put("name", "x").put("length", 1).put("pieceCount", 1).put("progress", 0.5)));
            JsonObject wrongTypes = valid("forged-3", "wrong-types").put("torrents", "all of them");
            JsonObject oversized = valid("forged-4", "x".repeat(10_000));
            bus.publish(StateVerticle.STATE_ADDRESS, noRates);
            bus.publish(StateVerticle.STATE_ADDRESS, torrentWithoutRates);
            bus.publish(StateVerticle.STATE_ADDRESS, wrongTypes);
            bus.publish(StateVerticle.STATE_ADDRESS, oversized);
            bus.publish(StateVerticle.STATE_ADDRESS, "not even an object");
            bus.publish(StateVerticle.TRACKER_ADDRESS, new JsonObject().put("id", "forged-tracker").put("torrents", 7));
            bus.publish(StateVerticle.STATE_ADDRESS, valid("honest", "honest-node"));

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            String metrics = "";
            while (System.nanoTime() < deadline && dropped(metrics, StateVerticle.STATE_ADDRESS) < 5) {
                metrics = get(port, "/metrics").body();
                Thread.sleep(100);
            }
            assertThat(dropped(metrics, StateVerticle.STATE_ADDRESS)).isEqualTo(5);
            assertThat(dropped(metrics, StateVerticle.TRACKER_ADDRESS)).isEqualTo(1);

            HttpResponse<String> swarm = get(port, "/api/swarm");
            assertThat(swarm.statusCode()).isEqualTo(200);
            String names = new JsonObject(swarm.body()).getJsonArray("nodes").stream()
                    .map(n -> ((JsonObject) n).getString("name")).toList().toString();
            assertThat(names).contains("honest-node", "web-node").doesNotContain("no-rates", "torrent-without-rates", "wrong-types");
            assertThat(new JsonObject(swarm.body()).getJsonArray("trackers")).isEmpty();

            // The stream goes on: events keep coming after the forged messages.
            CompletableFuture<Integer> more = CompletableFuture.supplyAsync(() -> {
                int seen = 0;
                try {
                    String line;
                    while (seen < 3 && (line = events.readLine()) != null) {
                        if (line.equals("event: swarm")) {
                            seen++;
                        }
                    }
                } catch (java.io.IOException e) {
                    // counted below
                }
                return seen;
            });
            assertThat(more.get(15, TimeUnit.SECONDS)).isEqualTo(3);
            stream.body().close();
        }
    }
}
