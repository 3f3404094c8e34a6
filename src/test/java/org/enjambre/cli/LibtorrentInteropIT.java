package org.enjambre.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.enjambre.swarm.TestTorrents;
import org.enjambre.testutil.FreePorts;
import org.enjambre.testutil.Interop;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** BEP 3 against libtorrent 2.0 (python3-libtorrent), both directions, loopback only. */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class LibtorrentInteropIT {
    @TempDir
    Path dir;

    @BeforeEach
    void requireLibtorrent() {
        Interop.requireLibtorrent();
    }

    static String script() throws Exception {
        return Path.of(LibtorrentInteropIT.class.getResource("/interop/lt_peer.py").toURI()).toString();
    }

    static Proc libtorrent(String name, Path workDir, String mode, String torrent, String save, int port,
                           String... extra) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("/usr/bin/python3", script(), mode, torrent, save,
                String.valueOf(port)));
        command.addAll(List.of(extra));
        return Proc.start(name, workDir, command);
    }

    /** What a test checks of the libtorrent leecher once it completed, given the seeder's port. */
    interface LeecherCheck {
        void check(Proc leecher, int seederPort) throws Exception;
    }

    /** Seeds {@code size} random bytes from Enjambre to a libtorrent leecher given {@code ltOptions}; byte-exact. */
    private void libtorrentDownloadsFromEnjambreSeed(String name, long size, int pieceLength, LeecherCheck check,
                                                     String... ltOptions) throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("data/" + name), size, 21);
        TestTorrents.create(content, pieceLength, dir.resolve("t.torrent"), null);
        try (Proc seed = Proc.enjambre("enjambre seed", dir, "seed", "t.torrent", "--data", "data")) {
            int port = seed.listeningPort();
            List<String> args = new java.util.ArrayList<>(List.of("--peer", "127.0.0.1:" + port, "--timeout", "90"));
            args.addAll(List.of(ltOptions));
            try (Proc lt = libtorrent("libtorrent download", dir, "download", "t.torrent", "lt", 0,
                    args.toArray(String[]::new))) {
                lt.awaitLine("^complete", 100);
                check.check(lt, port);
                assertThat(lt.awaitExit(20)).isZero();
            }
            seed.terminate();
            assertThat(seed.awaitExit(20)).isZero();
        }
        assertThat(Files.mismatch(content, dir.resolve("lt/" + name))).isEqualTo(-1L);
    }

    @Test
    void libtorrentDownloadsByteExactFromEnjambreSeed() throws Exception {
        libtorrentDownloadsFromEnjambreSeed("lt-in.bin", 12L * 1024 * 1024 + 4321, 128 * 1024, (lt, port) ->
                // libtorrent names a peer by the "v" of its BEP 10 extended handshake once it has read it.
                assertThat(lt.awaitLine("^peer 127\\.0\\.0\\.1:" + port + " client (Enjambre.*)$", 5))
                        .isEqualTo("Enjambre 0.1.0"));
    }

    /**
     * libtorrent's leechers open every connection with the encrypted greeting (MSE) when they can;
     * forced here, so that the download completes only if the seeder answers it (plaintext chosen)
     * rather than through the plaintext retry a default leecher falls back to.
     */
    @Test
    void libtorrentLeecherThatOpensWithTheEncryptedGreetingDownloadsFromEnjambreSeed() throws Exception {
        libtorrentDownloadsFromEnjambreSeed("mse.bin", 3L * 1024 * 1024 + 77, 64 * 1024, (lt, port) -> { },
                "--encryption", "forced");
    }

    @Test
    void enjambreDownloadsByteExactMultiFileTorrentFromLibtorrentSeed() throws Exception {
        Path root = dir.resolve("data/folder");
        TestTorrents.randomFile(root.resolve("a.bin"), 3L * 1024 * 1024 + 17, 22);
        TestTorrents.randomFile(root.resolve("sub/b.bin"), 5L * 1024 * 1024 + 99, 23);
        Files.write(root.resolve("sub/empty"), new byte[0]);
        TestTorrents.create(root, 64 * 1024, dir.resolve("f.torrent"), null);
        int port = FreePorts.next();
        try (Proc lt = libtorrent("libtorrent seed", dir, "seed", "f.torrent", "data", port)) {
            lt.awaitLine("^listening on", 30);
            try (Proc download = Proc.enjambre("enjambre download", dir, "download", "f.torrent", "--out", "out",
                    "--peer", "127.0.0.1:" + port, "--timeout", "90")) {
                assertThat(download.awaitExit(100)).as("exit code; stderr %s", download.err).isZero();
            }
        }
        assertThat(Files.mismatch(root.resolve("a.bin"), dir.resolve("out/folder/a.bin"))).isEqualTo(-1L);
        assertThat(Files.mismatch(root.resolve("sub/b.bin"), dir.resolve("out/folder/sub/b.bin"))).isEqualTo(-1L);
        assertThat(dir.resolve("out/folder/sub/empty")).exists().isEmptyFile();
    }
}
