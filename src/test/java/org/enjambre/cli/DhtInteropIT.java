package org.enjambre.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.swarm.TestTorrents;
import org.enjambre.testutil.Interop;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Mainline DHT against libtorrent 2.0 (python3-libtorrent) on loopback: Enjambre and libtorrent
 * nodes form one DHT; libtorrent finds an Enjambre seeder through it alone (no tracker, no peer
 * named) and downloads a byte-exact copy, and Enjambre finds a libtorrent seeder the same way, from a
 * {@code .torrent} and from a bare magnet link.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DhtInteropIT {
    @TempDir
    Path dir;

    @BeforeEach
    void requireLibtorrent() {
        Interop.requireLibtorrent();
    }

    static Proc libtorrent(String name, Path workDir, String mode, String torrent, String save, String... extra)
            throws Exception {
        String script = Path.of(DhtInteropIT.class.getResource("/interop/lt_peer.py").toURI()).toString();
        List<String> command = new java.util.ArrayList<>(List.of("/usr/bin/python3", script, mode, torrent, save, "0"));
        command.addAll(List.of(extra));
        return Proc.start(name, workDir, command);
    }

    @Test
    void libtorrentFindsAnEnjambreSeederThroughTheDhtAloneAndDownloadsByteExact() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("data/dht.bin"), 4L * 1024 * 1024 + 77, 31);
        TestTorrents.create(content, 64 * 1024, dir.resolve("t.torrent"), null);
        try (Proc seed = Proc.enjambre("enjambre seed", dir, "seed", "t.torrent", "--data", "data")) {
            seed.listeningPort();
            int dhtPort = Integer.parseInt(seed.awaitLine("^dht on udp (\\d+)", 30));
            try (Proc lt = libtorrent("libtorrent dht download", dir, "download", "t.torrent", "lt",
                    "--dht-node", "127.0.0.1:" + dhtPort, "--timeout", "150")) {
                // The only peer there is: either side may dial once the DHT has introduced them
                // (the seeder finds libtorrent's announce, libtorrent finds the seeder's).
                lt.awaitLine("^peer 127\\.0\\.0\\.1:\\d+ client ", 150);
                lt.awaitLine("^complete", 150);
                assertThat(lt.awaitExit(20)).isZero();
            }
            seed.terminate();
            assertThat(seed.awaitExit(20)).isZero();
        }
        assertThat(Files.mismatch(content, dir.resolve("lt/dht.bin"))).isEqualTo(-1L);
    }

    @Test
    void enjambreDownloadsFromALibtorrentSeederFoundThroughTheDhtAlone() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("data/in.bin"), 3L * 1024 * 1024 + 5, 32);
        TestTorrents.create(content, 64 * 1024, dir.resolve("s.torrent"), null);
        try (Proc lt = libtorrent("libtorrent dht seed", dir, "seed", "s.torrent", "data", "--dht")) {
            int ltPort = lt.listeningPort(); // libtorrent's DHT listens on the same port, over UDP
            try (Proc download = Proc.enjambre("enjambre download", dir, "download", "s.torrent", "--out", "out",
                    "--dht-bootstrap", "127.0.0.1:" + ltPort, "--timeout", "150")) {
                assertThat(download.awaitExit(160)).as("exit code; stderr %s", download.err).isZero();
            }
        }
        assertThat(Files.mismatch(content, dir.resolve("out/in.bin"))).isEqualTo(-1L);
    }

    @Test
    void enjambreDownloadsAMagnetWhoseOnlySeederIsALibtorrentPeerFoundThroughTheDht() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("data/magnet.bin"), 2L * 1024 * 1024 + 9, 33);
        TestTorrents.create(content, 64 * 1024, dir.resolve("m.torrent"), null);
        // No tracker, no x.pe, no --peer: the magnet's only way to its seeder is the DHT.
        String magnet = "magnet:?xt=urn:btih:" + Metainfo.read(dir.resolve("m.torrent")).infoHash().hex();
        try (Proc lt = libtorrent("libtorrent dht seed", dir, "seed", "m.torrent", "data", "--dht")) {
            int ltPort = lt.listeningPort();
            try (Proc download = Proc.enjambre("enjambre download magnet", dir, "download", magnet, "--out", "out",
                    "--dht-bootstrap", "127.0.0.1:" + ltPort, "--timeout", "150")) {
                assertThat(download.awaitExit(160)).as("exit code; stderr %s", download.err).isZero();
            }
        }
        assertThat(Files.mismatch(content, dir.resolve("out/magnet.bin"))).isEqualTo(-1L);
        assertThat(Metainfo.read(dir.resolve("out/magnet.bin.torrent")).infoHash())
                .isEqualTo(Metainfo.read(dir.resolve("m.torrent")).infoHash());
    }
}
