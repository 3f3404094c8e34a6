package org.enjambre.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.swarm.TestTorrents;
import org.enjambre.testutil.FreePorts;
import org.enjambre.testutil.Opentracker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code enjambre seed} and {@code enjambre download} that know nothing but a {@code udp://}
 * tracker (BEP 15) find each other through it and the file arrives byte-exact: through our own
 * tracker ({@code enjambre tracker --udp-port}) and through Debian's opentracker.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class UdpTrackerDownloadIT {
    static final long SIZE = 3L * 1024 * 1024 + 4321;

    @TempDir
    Path dir;

    @Test
    void seedAndDownloadFindEachOtherThroughOurUdpTracker() throws Exception {
        int udpPort = FreePorts.next();
        try (Proc tracker = Proc.enjambre("tracker", dir, "tracker", "--host", "127.0.0.1", "--port",
                String.valueOf(FreePorts.next()), "--udp-port", String.valueOf(udpPort), "--instances", "1")) {
            tracker.awaitLine("^tracker listening on .* and udp://127\\.0\\.0\\.1:" + udpPort + "/announce", 90);
            seedThenDownload("udp://127.0.0.1:" + udpPort + "/announce", 21);
            tracker.terminate();
            assertThat(tracker.awaitExit(30)).isZero();
        }
    }

    @Test
    void seedAndDownloadFindEachOtherThroughOpentrackersUdp() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("data/file.bin"), SIZE, 22);
        // The info-hash must be whitelisted before opentracker starts: make the torrent first.
        Metainfo probe = TestTorrents.create(content, 64 * 1024, dir.resolve("probe.torrent"), "udp://127.0.0.1:1/announce");
        try (Opentracker opentracker = Opentracker.start(probe.infoHash().bytes())) {
            seedThenDownload(opentracker.udpUrl(), 22);
        }
    }

    /** A random file, its torrent announcing only to {@code url}, a seeder and a downloader told nothing else. */
    private void seedThenDownload(String url, long seed) throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("data/file.bin"), SIZE, seed);
        Metainfo metainfo = TestTorrents.create(content, 64 * 1024, dir.resolve("file.torrent"), url);
        assertThat(metainfo.announce()).isEqualTo(url);
        try (Proc seeder = Proc.enjambre("seed", dir, "seed", "file.torrent", "--data", "data", "--allow-private-trackers")) {
            seeder.listeningPort();
            try (Proc download = Proc.enjambre("download", dir, "download", "file.torrent", "--out", "out",
                    "--allow-private-trackers", "--timeout", "120")) {
                assertThat(download.awaitExit(150)).as("download stdout: %s\nstderr: %s\nseed stderr: %s",
                        download.out, Proc.tail(download.err), Proc.tail(seeder.err)).isZero();
            }
            seeder.terminate();
            assertThat(seeder.awaitExit(20)).isZero();
        }
        assertThat(Files.mismatch(content, dir.resolve("out/file.bin"))).isEqualTo(-1L);
    }
}
