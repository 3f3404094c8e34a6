package org.enjambre.cli;

import static org.enjambre.testutil.Futures.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.node.PeerVerticle;
import org.enjambre.storage.TorrentStorage;
import org.enjambre.swarm.EngineOptions;
import org.enjambre.swarm.StoragePieceStore;
import org.enjambre.swarm.TestTorrents;
import org.enjambre.swarm.TorrentEngine;
import org.enjambre.testutil.FreePorts;
import org.enjambre.testutil.Interop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * PEX (BEP 11) and the fast extension (BEP 6) against libtorrent 2.0, loopback only: Enjambre nodes
 * run in this JVM (their engines' counters and peer lists are read directly), libtorrent through
 * {@code lt_peer.py}.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class LibtorrentPexFastIT {
    /**
     * How long a peer may take to learn an address through PEX: libtorrent and we send the first
     * message soon after the extended handshake and then once a minute, so one full minute of
     * cadence plus margin for a loaded machine.
     */
    static final long PEX_WAIT_SECONDS = 90;

    @TempDir
    Path dir;
    Vertx vertx;

    @BeforeEach
    void setUp() {
        Interop.requireLibtorrent();
        vertx = Vertx.vertx();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (vertx != null) {
            await(vertx.close());
        }
    }

    PeerVerticle node() throws Exception {
        PeerVerticle v = new PeerVerticle("127.0.0.1", 0);
        await(vertx.deployVerticle(v));
        return v;
    }

    TorrentEngine host(PeerVerticle node, Metainfo metainfo, Path data, boolean download, EngineOptions options)
            throws Exception {
        return await(node.addTorrent(metainfo, new StoragePieceStore(TorrentStorage.open(metainfo.info(), data),
                download), options));
    }

    /** Whether {@code engine} has a connection to a peer whose id starts with {@code prefix} (or is {@code id}). */
    static boolean connectedTo(TorrentEngine engine, byte[] id, String prefix) throws Exception {
        return await(engine.peers()).stream().anyMatch(p -> p.peerId() != null && (id != null
                ? Arrays.equals(p.peerId(), id)
                : new String(p.peerId(), 0, prefix.length(), StandardCharsets.ISO_8859_1).equals(prefix)));
    }

    /** Seconds until {@code condition} held, failing after {@link #PEX_WAIT_SECONDS}. */
    static double awaitSeconds(String what, ThrowingCondition condition) throws Exception {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(PEX_WAIT_SECONDS);
        while (System.nanoTime() < deadline) {
            if (condition.holds()) {
                return (System.nanoTime() - start) / 1e9;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(what + " not within " + PEX_WAIT_SECONDS + " s");
    }

    @FunctionalInterface
    interface ThrowingCondition {
        boolean holds() throws Exception;
    }

    @Test
    void enjambreLeechersLearnEachOtherOnlyThroughALibtorrentSeedsPex() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("data/pex-lt.bin"), 8L * 1024 * 1024, 51);
        Metainfo metainfo = TestTorrents.create(content, 64 * 1024, dir.resolve("t.torrent"), null);
        int ltPort = FreePorts.next();
        try (Proc lt = LibtorrentInteropIT.libtorrent("libtorrent seed", dir, "seed", "t.torrent", "data", ltPort)) {
            lt.awaitLine("^listening on", 60);
            // Slow leechers, so that they are still leeching (two seeds part at once) when they meet.
            EngineOptions slow = EngineOptions.defaults().withDownloadRate(32 * 1024);
            PeerVerticle bNode = node();
            PeerVerticle cNode = node();
            TorrentEngine b = host(bNode, metainfo, dir.resolve("b"), true, slow);
            TorrentEngine c = host(cNode, metainfo, dir.resolve("c"), true, slow);
            await(b.connect("127.0.0.1", ltPort));
            await(c.connect("127.0.0.1", ltPort));
            double seconds = awaitSeconds("the two Enjambre leechers connected through libtorrent's PEX",
                    () -> connectedTo(b, cNode.peerId(), null) && connectedTo(c, bNode.peerId(), null));
            System.out.printf("libtorrent's PEX introduced the Enjambre leechers after %.1f s%n", seconds);
            assertThat(b.state().complete()).isFalse();
        }
    }

    @Test
    void libtorrentLearnsAnEnjambrePeerOnlyThroughOurPex() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/pex-ej.bin"), 8L * 1024 * 1024, 52);
        Metainfo metainfo = TestTorrents.create(content, 64 * 1024, dir.resolve("t.torrent"), null);
        Files.createDirectories(dir.resolve("lt"));
        PeerVerticle seedNode = node();
        host(seedNode, metainfo, dir.resolve("seed"), false, EngineOptions.defaults());
        // b keeps to one connection (the seed): it never dials libtorrent itself, so a connection
        // between them is libtorrent dialling b's listen port, learned only from the seed's ut_pex.
        PeerVerticle bNode = node();
        TorrentEngine b = host(bNode, metainfo, dir.resolve("b"), true,
                EngineOptions.defaults().withDownloadRate(32 * 1024).withTargetConnections(1));
        await(b.connect("127.0.0.1", seedNode.actualPort()));
        try (Proc lt = LibtorrentInteropIT.libtorrent("libtorrent download", dir, "download", "t.torrent", "lt", 0,
                "--peer", "127.0.0.1:" + seedNode.actualPort(), "--timeout", "200", "--download-rate", "32768")) {
            lt.awaitLine("^listening on", 60);
            double seconds = awaitSeconds("libtorrent connected to b's listen port",
                    () -> lt.out.stream().anyMatch(l -> l.startsWith("peer 127.0.0.1:" + bNode.actualPort() + " ")));
            System.out.printf("libtorrent dialled the peer it learned from our PEX after %.1f s%n", seconds);
            assertThat(connectedTo(b, null, "-LT")).as("b sees libtorrent connected").isTrue();
        }
    }

    @Test
    void fastExtensionIsNegotiatedWithALibtorrentSeedThatSaysHaveAll() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("data/fast.bin"), 6L * 1024 * 1024 + 123, 53);
        Metainfo metainfo = TestTorrents.create(content, 128 * 1024, dir.resolve("t.torrent"), null);
        int ltPort = FreePorts.next();
        try (Proc lt = LibtorrentInteropIT.libtorrent("libtorrent seed", dir, "seed", "t.torrent", "data", ltPort)) {
            lt.awaitLine("^listening on", 60);
            TorrentEngine leech = host(node(), metainfo, dir.resolve("out"), true, EngineOptions.defaults());
            await(leech.connect("127.0.0.1", ltPort));
            leech.completion().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
            assertThat(leech.state().fastPeers()).as("connections with BEP 6 on both sides").isGreaterThanOrEqualTo(1);
            assertThat(leech.state().haveAllsReceived()).as("have all from the libtorrent seed").isGreaterThanOrEqualTo(1);
            assertThat(leech.state().hashFailures()).isZero();
        }
        assertThat(Files.mismatch(content, dir.resolve("out/fast.bin"))).isEqualTo(-1L);
    }
}
