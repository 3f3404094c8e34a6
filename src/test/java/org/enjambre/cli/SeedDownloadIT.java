package org.enjambre.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.enjambre.swarm.TestTorrents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code enjambre seed} and {@code enjambre download} as processes, on loopback. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SeedDownloadIT {
    @TempDir
    Path dir;

    @Test
    void downloadFetchesAByteExactCopyFromSeedThenSeedStopsOnSigterm() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("data/file.bin"), 20L * 1024 * 1024 + 123, 11);
        TestTorrents.create(content, 256 * 1024, dir.resolve("file.torrent"), null);
        try (Proc seed = Proc.enjambre("seed", dir, "seed", "file.torrent", "--data", "data")) {
            int port = seed.listeningPort();
            try (Proc download = Proc.enjambre("download", dir, "download", "file.torrent", "--out", "out",
                    "--peer", "127.0.0.1:" + port)) {
                assertThat(download.listeningPort()).isPositive();
                assertThat(download.awaitExit(90)).isZero();
                assertThat(download.out).anyMatch(l -> l.startsWith("complete: "));
            }
            assertThat(Files.mismatch(content, dir.resolve("out/file.bin"))).isEqualTo(-1L);

            // Existing complete data is recognised: nothing is fetched, exit 0 with no peer at all.
            try (Proc again = Proc.enjambre("again", dir, "download", "file.torrent", "--out", "out")) {
                assertThat(again.awaitExit(60)).isZero();
                assertThat(again.out).anyMatch(l -> l.startsWith("already complete"));
            }

            // download --seed keeps serving what it fetched: a third peer gets it from there alone.
            seed.terminate();
            assertThat(seed.awaitExit(20)).isZero();
            try (Proc relay = Proc.enjambre("relay", dir, "download", "file.torrent", "--out", "relay",
                    "--peer", "127.0.0.1:" + port, "--seed")) {
                int relayPort = relay.listeningPort();
                try (Proc original = Proc.enjambre("seed again", dir, "seed", "file.torrent", "--data", "data",
                        "--port", String.valueOf(port))) {
                    original.listeningPort();
                    relay.awaitLine("^complete: ", 90);
                    original.terminate();
                    assertThat(original.awaitExit(20)).isZero();
                }
                try (Proc third = Proc.enjambre("third", dir, "download", "file.torrent", "--out", "third",
                        "--peer", "127.0.0.1:" + relayPort)) {
                    assertThat(third.awaitExit(90)).isZero();
                }
                assertThat(relay.process.isAlive()).isTrue();
                relay.terminate();
                assertThat(relay.awaitExit(20)).isZero();
            }
            assertThat(Files.mismatch(content, dir.resolve("third/file.bin"))).isEqualTo(-1L);
        }
    }

    @Test
    void seedRefusesIncompleteDataWithAClearMessage() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("data/file.bin"), 1024 * 1024, 12);
        TestTorrents.create(content, 64 * 1024, dir.resolve("file.torrent"), null);
        try (var ch = java.nio.channels.FileChannel.open(content, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}), 200_000); // corrupt piece 3
        }
        try (Proc seed = Proc.enjambre("seed", dir, "seed", "file.torrent", "--data", "data")) {
            assertThat(seed.awaitExit(60)).isEqualTo(1);
            assertThat(seed.err).anyMatch(l -> l.contains("1 of 16 pieces are missing or wrong"));
        }
        try (Proc seed = Proc.enjambre("seed", dir, "seed", "file.torrent", "--data", "elsewhere")) {
            assertThat(seed.awaitExit(60)).isEqualTo(1);
            assertThat(seed.err).anyMatch(l -> l.contains("16 of 16 pieces are missing"));
        }
        assertThat(dir.resolve("elsewhere/file.bin")).doesNotExist();
    }

    @Test
    void downloadGivesUpAfterTimeoutAndRejectsABadTorrent() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("data/file.bin"), 100_000, 13);
        TestTorrents.create(content, 16 * 1024, dir.resolve("file.torrent"), null);
        try (Proc download = Proc.enjambre("download", dir, "download", "file.torrent", "--out", "out",
                "--timeout", "2")) {
            assertThat(download.awaitExit(60)).isEqualTo(1);
            assertThat(download.err).anyMatch(l -> l.contains("timed out after 2 s"));
        }
        Files.write(dir.resolve("bad.torrent"), "d4:infoi3ee".getBytes());
        try (Proc download = Proc.enjambre("bad", dir, "download", "bad.torrent", "--out", "out")) {
            assertThat(download.awaitExit(60)).isEqualTo(1);
            assertThat(download.err).hasSize(1);
        }
    }

    @Test
    void downloadStoppedBySigtermExitsZeroAndARestartKeepsTheVerifiedPieces() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("data/big.bin"), 24L * 1024 * 1024, 15);
        TestTorrents.create(content, 256 * 1024, dir.resolve("big.torrent"), null);
        // A seed limited to 4 MB/s: the first download is stopped while about half done.
        try (Proc seed = Proc.enjambre("seed", dir, "seed", "big.torrent", "--data", "data",
                "--upload-rate", "4000000")) {
            int port = seed.listeningPort();
            int verifiedAtStop;
            try (Proc first = Proc.enjambre("first", dir, List.of(Proc.FREQUENT_STATUS), "download", "big.torrent",
                    "--out", "out", "--peer", "127.0.0.1:" + port)) {
                first.listeningPort();
                // A quarter verified: at 4 MB/s most of the file is still to come when it stops.
                first.awaitVerified(24, 60);
                first.terminate();
                assertThat(first.awaitExit(20)).isZero();
                verifiedAtStop = first.lastVerified();
            }
            try (Proc second = Proc.enjambre("second", dir, "download", "big.torrent", "--out", "out",
                    "--peer", "127.0.0.1:" + port)) {
                assertThat(second.awaitExit(90)).isZero();
                String present = second.err.stream().filter(l -> l.contains("pieces present")).findFirst().orElseThrow();
                int kept = Integer.parseInt(present.replaceAll(".*: (\\d+) of 96 pieces present.*", "$1"));
                assertThat(kept).isBetween(5, 95).isGreaterThanOrEqualTo(verifiedAtStop);
            }
            seed.terminate();
            assertThat(seed.awaitExit(20)).isZero();
        }
        assertThat(Files.mismatch(content, dir.resolve("out/big.bin"))).isEqualTo(-1L);
    }
}
