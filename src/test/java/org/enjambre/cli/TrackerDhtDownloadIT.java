package org.enjambre.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.swarm.TestTorrents;
import org.enjambre.testutil.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tracker is a bridge between a tracker swarm and a DHT swarm: a downloader with no tracker
 * and no {@code --peer}, joined to the DHT only at a tracker node, finds a seeder that only ever
 * announced to that tracker over HTTP.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class TrackerDhtDownloadIT {
    static final long SIZE = 3L * 1024 * 1024 + 999;

    @TempDir
    Path dir;

    @Test
    void aTrackerlessDownloadBootstrappedAtTheTrackersDhtFindsASeederThatOnlyAnnouncedOverHttp() throws Exception {
        int httpPort = FreePorts.next();
        int dhtPort = FreePorts.next();
        Path content = TestTorrents.randomFile(dir.resolve("data/bridge.bin"), SIZE, 41);
        String announce = "http://127.0.0.1:" + httpPort + "/announce";
        Metainfo tracked = TestTorrents.create(content, 64 * 1024, dir.resolve("tracked.torrent"), announce);
        Metainfo trackerless = TestTorrents.create(content, 64 * 1024, dir.resolve("trackerless.torrent"), null);
        assertThat(trackerless.infoHash()).isEqualTo(tracked.infoHash());
        assertThat(trackerless.announce()).isNull();

        try (Proc tracker = Proc.enjambre("tracker", dir, "tracker", "--host", "127.0.0.1", "--port",
                String.valueOf(httpPort), "--dht-port", String.valueOf(dhtPort), "--instances", "1")) {
            tracker.awaitLine("^tracker listening on .*, DHT on UDP port " + dhtPort, 90);
            // The seeder knows the tracker only, never the DHT.
            try (Proc seeder = Proc.enjambre("seed", dir, "seed", "tracked.torrent", "--data", "data", "--no-dht",
                    "--allow-private-trackers")) {
                seeder.listeningPort();
                awaitPeersOnTracker(httpPort, tracked.infoHash().hex(), Duration.ofSeconds(60));
                try (Proc download = Proc.enjambre("download", dir, "download", "trackerless.torrent", "--out", "out",
                        "--dht-bootstrap", "127.0.0.1:" + dhtPort, "--timeout", "150")) {
                    assertThat(download.awaitExit(170)).as("download stdout: %s\nstderr: %s\ntracker: %s",
                            download.out, Proc.tail(download.err), Proc.tail(tracker.err)).isZero();
                    assertThat(download.out).anyMatch(l -> l.startsWith("complete: "));
                }
                seeder.terminate();
                assertThat(seeder.awaitExit(20)).isZero();
            }
            tracker.terminate();
            assertThat(tracker.awaitExit(30)).isZero();
        }
        assertThat(Files.mismatch(content, dir.resolve("out/bridge.bin"))).isEqualTo(-1L);
    }

    /** Polls the tracker's REST API (bounded) until the swarm has a peer: the seeder has announced. */
    static void awaitPeersOnTracker(int httpPort, String infoHashHex, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
                        + "/api/torrents/" + infoHashHex)).timeout(Duration.ofSeconds(10)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                body = r.body();
                if (r.statusCode() == 200 && body.contains("\"port\"")) {
                    return;
                }
            } catch (java.io.IOException slow) {
                body = slow.toString(); // a loaded machine: ask again while time remains
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the seeder never appeared on the tracker: " + body);
    }
}
