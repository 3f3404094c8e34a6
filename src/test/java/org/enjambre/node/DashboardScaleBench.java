package org.enjambre.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.metainfo.TorrentBuilder;
import org.enjambre.storage.TorrentStorage;
import org.enjambre.swarm.EngineOptions;
import org.enjambre.swarm.StoragePieceStore;
import org.enjambre.testutil.Interop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard's scale measurement (run by {@code bench/dashboard.sh}, not by {@code mvn verify}):
 * one seeding node with a 4,000-piece torrent and 20 leeching peers connected to it, the page open
 * in headless Chromium. Measures the size of the swarm document, the time the server takes to
 * answer it, and the time the page takes to render one update; fails if a render takes longer
 * than {@link #RENDER_BUDGET_MILLIS} on average.
 */
// An environment variable, not a -D property: the pom's fixed surefire argLine would override -DargLine.
@EnabledIfEnvironmentVariable(named = "ENJAMBRE_BENCH_DASHBOARD", matches = "true")
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DashboardScaleBench {
    static final int PIECES = 4000;
    static final int PEERS = 20;
    static final int PIECE_LENGTH = 16 * 1024;
    /** The page must keep up with one update a second with room to spare. */
    static final double RENDER_BUDGET_MILLIS = 250;

    @TempDir
    Path dir;

    @Test
    void pageKeepsUpWithTwentyPeersAndFourThousandPieces() throws Exception {
        Path driverPath = Interop.requireExecutable("chromedriver", "chromium-driver");
        Path seedData = Files.createDirectories(dir.resolve("seed"));
        byte[] content = new byte[PIECES * PIECE_LENGTH];
        new Random(1).nextBytes(content);
        Files.write(seedData.resolve("big.bin"), content);
        Metainfo torrent = TorrentBuilder.forPath(seedData.resolve("big.bin")).pieceLength(PIECE_LENGTH).build();

        NodeSettings settings = new NodeSettings("seed", "127.0.0.1", 0, 0, false, 0, 60, seedData, 2L * 1024 * 1024, 1 << 20);
        Vertx peersVertx = Vertx.vertx(new VertxOptions().setWorkerPoolSize(8));
        ChromeDriver browser = null;
        try (EnjambreNode seed = EnjambreNode.start(settings, null)) {
            EnjambreNode.await(seed.library().add(torrent.encode()));
            List<PeerVerticle> peers = new ArrayList<>();
            for (int i = 0; i < PEERS; i++) {
                PeerVerticle p = new PeerVerticle("127.0.0.1", 0);
                EnjambreNode.await(peersVertx.deployVerticle(p));
                Path data = Files.createDirectories(dir.resolve("peer" + i));
                var engine = EnjambreNode.await(p.addTorrent(torrent,
                        new StoragePieceStore(TorrentStorage.open(torrent.info(), data), true),
                        EngineOptions.defaults().withUploadRate(128 * 1024)));
                EnjambreNode.await(engine.connect("127.0.0.1", seed.peerPort()));
                peers.add(p);
            }
            WebClient client = WebClient.create(peersVertx);
            JsonObject doc = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                doc = EnjambreNode.await(client.get(seed.webPort(), "127.0.0.1", "/api/node").send()).bodyAsJsonObject();
                if (!doc.getJsonArray("torrents").isEmpty()
                        && doc.getJsonArray("torrents").getJsonObject(0).getJsonArray("peers").size() >= PEERS) {
                    break;
                }
                Thread.sleep(200);
            }
            assertThat(doc.getJsonArray("torrents").getJsonObject(0).getJsonArray("peers")).hasSize(PEERS);

            ChromeOptions options = new ChromeOptions();
            if (Files.isExecutable(Paths.get("/usr/bin/chromium"))) {
                options.setBinary("/usr/bin/chromium");
            }
            options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-dev-shm-usage", "--window-size=1440,2400",
                    "--user-data-dir=" + Files.createDirectories(dir.resolve("profile")));
            browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(driverPath.toFile())
                    .usingAnyFreePort().build(), options);
            browser.get("http://127.0.0.1:" + seed.webPort() + "/");
            Thread.sleep(3000);
            List<Double> renders = new ArrayList<>();
            List<Long> serverMillis = new ArrayList<>();
            int documentBytes = 0;
            for (int i = 0; i < 15; i++) {
                long t0 = System.nanoTime();
                HttpResponse<Buffer> r = EnjambreNode.await(client.get(seed.webPort(), "127.0.0.1", "/api/swarm").send());
                serverMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                documentBytes = r.body().length();
                Object ms = ((JavascriptExecutor) browser).executeScript("return window.enjambreRenderMillis;");
                if (ms instanceof Number n) {
                    renders.add(n.doubleValue());
                }
                Thread.sleep(1000);
            }
            java.io.File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), Paths.get("target/dashboard-scale.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            double avg = renders.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            double max = renders.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
            double serverAvg = serverMillis.stream().mapToLong(Long::longValue).average().orElse(Double.NaN);
            String line = String.format(Locale.ROOT,
                    "dashboard scale: %d peers x %d pieces: /api/swarm %d bytes, answered in %.1f ms avg; "
                            + "page render %.1f ms avg, %.1f ms max over %d updates",
                    PEERS, PIECES, documentBytes, serverAvg, avg, max, renders.size());
            System.out.println(line);
            Files.writeString(Paths.get("target/dashboard-scale.txt"), line + "\n");
            assertThat(renders).isNotEmpty();
            assertThat(avg).isLessThan(RENDER_BUDGET_MILLIS);
            client.close();
            for (PeerVerticle p : peers) {
                EnjambreNode.await(p.removeAll());
            }
        } finally {
            if (browser != null) {
                browser.quit();
            }
            EnjambreNode.await(peersVertx.close());
        }
    }

}
