package org.enjambre.web;

import static org.enjambre.testutil.Futures.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.enjambre.dht.NodeId;
import org.enjambre.node.DhtService;
import org.enjambre.node.EnjambreNode;
import org.enjambre.node.NodeSettings;
import org.enjambre.net.PeerAddress;
import org.enjambre.tracker.client.AnnouncePolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The DHT panel in headless Chromium: a node with the DHT on, and a second DHT node (bare, in the
 * test's Vert.x) that joins through it. The panel shows the node's id and port, then the figures
 * move as the DHT works: the joiner lands in the table, an announce from it is stored, a lookup
 * from the node is counted. The REST document carries the same figures.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DashboardDhtBrowserIT {
    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static EnjambreNode node;
    static Vertx vertx;
    static DhtService joiner;
    static ChromeDriver browser;

    @BeforeAll
    static void start() throws Exception {
        browser = HeadlessChromium.start(dir);
        Path data = Files.createDirectories(dir.resolve("dht-node"));
        node = EnjambreNode.start(new NodeSettings("dht-node", "127.0.0.1", 0, 0, false, 0, 2, data, 0, 8L * 1024 * 1024),
                null, AnnouncePolicy.allowingPrivate(), new DhtService.Settings(true, "127.0.0.1", 0, List.of(), null));
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (joiner != null) {
            await(joiner.close());
        }
        if (vertx != null) {
            await(vertx.close());
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    void dhtPanelShowsTheNodesTableStoreAndLookupsMovingLive() throws Exception {
        browser.get("http://127.0.0.1:" + node.webPort() + "/#token=" + node.apiToken());
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        wait.ignoring(StaleElementReferenceException.class);

        // On, with our id and port, alone: no node in the table, nothing stored, no lookup yet.
        wait.until(d -> "on".equals(field("enabled")));
        String id = node.dht().id().hex();
        assertThat((String) js("return document.querySelector('#dht tr[data-node=\"dht-node\"] td.mono').title;")).isEqualTo(id);
        assertThat(field("port")).isEqualTo(String.valueOf(node.dhtPort()));
        assertThat(field("goodNodes")).isEqualTo("0");
        assertThat(field("storedPeers")).isEqualTo("0");
        long lookupsBefore = Long.parseLong(field("lookups"));

        // A second node joins through ours: ours pings it back and it lands in our table.
        joiner = await(DhtService.start(vertx, new DhtService.Settings(true, "127.0.0.2", 0,
                List.of(new PeerAddress("127.0.0.1", node.dhtPort())), null)));
        wait.until(d -> "1".equals(field("goodNodes")));
        assertThat(Long.parseLong(field("queriesReceived"))).isPositive();

        // It announces a torrent: our store holds its peer.
        NodeId infoHash = NodeId.random();
        await(joiner.node().announce(infoHash, 51413));
        wait.until(d -> "1".equals(field("storedTorrents")) && "1".equals(field("storedPeers")));

        // Our node looks the torrent up: the lookup is counted.
        await(node.dht().getPeers(infoHash));
        wait.until(d -> Long.parseLong(field("lookups")) > lookupsBefore);
        assertThat(field("lookupsInFlight")).isEqualTo("0");
        assertThat(field("malformed")).isEqualTo("0");

        // The REST document says the same.
        HttpResponse<String> rest = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + node.webPort() + "/api/node"))
                .header("Authorization", "Bearer " + node.apiToken()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(rest.statusCode()).isEqualTo(200);
        JsonObject dht = new JsonObject(rest.body()).getJsonObject("dht");
        assertThat(dht.getBoolean("enabled")).isTrue();
        assertThat(dht.getString("nodeId")).isEqualTo(id);
        assertThat(dht.getInteger("port")).isEqualTo(node.dhtPort());
        assertThat(dht.getInteger("goodNodes")).isEqualTo(1);
        assertThat(dht.getInteger("storedPeers")).isEqualTo(1);
        assertThat(dht.getLong("lookups")).isGreaterThan(lookupsBefore);
    }

    /** The text of a DHT figure in the node's row. */
    static String field(String name) {
        Object t = js("const e = document.querySelector('#dht tr[data-node=\"dht-node\"] [data-field=\"' + arguments[0] + '\"]');"
                + "return e ? e.textContent : '';", name);
        return t == null ? "" : t.toString();
    }

    static Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }
}
