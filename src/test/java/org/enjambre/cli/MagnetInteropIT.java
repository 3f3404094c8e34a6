package org.enjambre.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.swarm.TestTorrents;
import org.enjambre.testutil.FreePorts;
import org.enjambre.testutil.Interop;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Magnet links both ways with libtorrent (python3-libtorrent), loopback only: the only side that has
 * a {@code .torrent} is the seeder; the other fetches the info dictionary over ut_metadata (BEP 9).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MagnetInteropIT {
    @TempDir
    Path dir;

    @BeforeEach
    void requireLibtorrent() {
        Interop.requireLibtorrent();
    }

    @Test
    void enjambreDownloadsAMagnetWhoseOnlyPeerIsALibtorrentSeeder() throws Exception {
        Path root = dir.resolve("data/folder");
        TestTorrents.randomFile(root.resolve("a.bin"), 3L * 1024 * 1024 + 17, 41);
        TestTorrents.randomFile(root.resolve("sub/b.bin"), 2L * 1024 * 1024 + 99, 42);
        TestTorrents.create(root, 16 * 1024, dir.resolve("f.torrent"), null); // 320 pieces: 6 KiB of info
        Metainfo original = Metainfo.read(dir.resolve("f.torrent"));
        int port = FreePorts.next();
        try (Proc lt = LibtorrentInteropIT.libtorrent("libtorrent seed", dir, "seed", "f.torrent", "data", port)) {
            lt.awaitLine("^listening on", 30);
            String magnet = "magnet:?xt=urn:btih:" + original.infoHash().hex() + "&dn=folder";
            try (Proc download = Proc.enjambre("enjambre download", dir, "download", magnet, "--out", "out",
                    "--peer", "127.0.0.1:" + port, "--timeout", "120")) {
                assertThat(download.awaitExit(150)).as("exit code; stderr %s", download.err).isZero();
                assertThat(download.out).anyMatch(l -> l.startsWith("metadata received: folder"));
            }
        }
        assertThat(Files.mismatch(root.resolve("a.bin"), dir.resolve("out/folder/a.bin"))).isEqualTo(-1L);
        assertThat(Files.mismatch(root.resolve("sub/b.bin"), dir.resolve("out/folder/sub/b.bin"))).isEqualTo(-1L);
        assertThat(Metainfo.read(dir.resolve("out/folder.torrent")).infoHash()).isEqualTo(original.infoHash());
    }

    @Test
    void libtorrentGivenOnlyAMagnetFetchesTheMetadataFromAnEnjambreSeederAndDownloads() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("data/m.bin"), 5L * 1024 * 1024 + 4321, 43);
        TestTorrents.create(content, 16 * 1024, dir.resolve("m.torrent"), null); // 321 pieces: 6 KiB of info
        Metainfo original = Metainfo.read(dir.resolve("m.torrent"));
        try (Proc seed = Proc.enjambre("enjambre seed", dir, "seed", "m.torrent", "--data", "data")) {
            int port = seed.listeningPort();
            String magnet = "magnet:?xt=urn:btih:" + original.infoHash().hex();
            try (Proc lt = LibtorrentInteropIT.libtorrent("libtorrent magnet", dir, "download", magnet, "lt", 0,
                    "--peer", "127.0.0.1:" + port, "--timeout", "120")) {
                lt.awaitLine("^metadata ", 60);
                lt.awaitLine("^complete", 130);
                assertThat(lt.awaitExit(20)).isZero();
            }
            seed.terminate();
            assertThat(seed.awaitExit(20)).isZero();
        }
        assertThat(Files.mismatch(content, dir.resolve("lt/m.bin"))).isEqualTo(-1L);
    }
}
