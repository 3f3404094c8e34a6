package org.enjambre.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.swarm.TestTorrents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code enjambre download 'magnet:?...'} as a process against {@code enjambre seed}, on loopback. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MagnetIT {
    @TempDir
    Path dir;

    @Test
    void aMagnetWithOnlyAnInfoHashAndAPeerDownloadsByteExactAndLeavesTheTorrentBesideTheData() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("data/file.bin"), 6L * 1024 * 1024 + 77, 31);
        TestTorrents.create(content, 32 * 1024, dir.resolve("file.torrent"), null); // 192 pieces: a 4 KiB info dict
        Metainfo original = Metainfo.read(dir.resolve("file.torrent"));
        try (Proc seed = Proc.enjambre("seed", dir, "seed", "file.torrent", "--data", "data")) {
            int port = seed.listeningPort();
            String magnet = "magnet:?xt=urn:btih:" + original.infoHash().hex() + "&dn=file.bin&x.pe=127.0.0.1%3A" + port;
            try (Proc download = Proc.enjambre("download", dir, "download", magnet, "--out", "out", "--timeout", "120")) {
                assertThat(download.awaitExit(150)).as("exit; stderr %s", download.err).isZero();
                assertThat(download.out).anyMatch(l -> l.startsWith("fetching metadata"));
                assertThat(download.out).anyMatch(l -> l.startsWith("metadata received: file.bin"));
                assertThat(download.out).anyMatch(l -> l.startsWith("complete: "));
            }
            assertThat(Files.mismatch(content, dir.resolve("out/file.bin"))).isEqualTo(-1L);
            Metainfo written = Metainfo.read(dir.resolve("out/file.bin.torrent"));
            assertThat(written.infoHash()).isEqualTo(original.infoHash());
            assertThat(written.infoBytes()).isEqualTo(original.infoBytes());

            // Base32 hash, no dn, the peer from --peer: the same torrent, already complete on disk.
            String base32 = "magnet:?xt=urn:btih:" + original.infoHash().base32();
            try (Proc again = Proc.enjambre("again", dir, "download", base32, "--out", "out",
                    "--peer", "127.0.0.1:" + port, "--timeout", "120")) {
                assertThat(again.awaitExit(150)).as("exit; stderr %s", again.err).isZero();
                assertThat(again.out).anyMatch(l -> l.startsWith("already complete"));
            }
            seed.terminate();
            assertThat(seed.awaitExit(20)).isZero();
        }
    }

    @Test
    void aMagnetWhoseMetadataNeverComesGivesUpAfterTheTimeoutWithAClearMessage() throws Exception {
        String magnet = "magnet:?xt=urn:btih:" + "ab".repeat(20) + "&dn=nothing";
        try (Proc download = Proc.enjambre("download", dir, "download", magnet, "--out", "out", "--timeout", "3")) {
            assertThat(download.awaitExit(60)).isNotZero();
            assertThat(String.join("\n", download.err)).contains("no metadata for nothing after 3 s");
        }
        assertThat(dir.resolve("out/nothing.torrent")).doesNotExist();
    }
}
