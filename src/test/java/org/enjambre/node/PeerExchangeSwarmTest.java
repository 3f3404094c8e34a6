package org.enjambre.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.storage.TorrentStorage;
import org.enjambre.swarm.EngineOptions;
import org.enjambre.swarm.StoragePieceStore;
import org.enjambre.swarm.TestTorrents;
import org.enjambre.swarm.TorrentEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three Enjambre nodes on loopback: two leechers that were each given only the seed's address meet
 * each other, because the seed told them about each other through ut_pex (BEP 11).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PeerExchangeSwarmTest {
    @TempDir
    Path dir;
    Vertx vertx;

    @BeforeEach
    void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stopVertx() throws Exception {
        await(vertx.close());
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
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

    static boolean connectedTo(TorrentEngine engine, byte[] peerId) throws Exception {
        return await(engine.peers()).stream().anyMatch(p -> Arrays.equals(p.peerId(), peerId));
    }

    @Test
    void twoLeechersGivenOnlyTheSeedFindEachOtherThroughPex() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/pex.bin"), 4 * 1024 * 1024, 41);
        Metainfo metainfo = TestTorrents.create(content, 64 * 1024, dir.resolve("pex.torrent"), null);
        PeerVerticle seedNode = node();
        host(seedNode, metainfo, dir.resolve("seed"), false, EngineOptions.defaults());
        // Slow leechers: they must still be leeching (two seeds part at once) when they meet.
        EngineOptions slow = EngineOptions.defaults().withDownloadRate(64 * 1024);
        PeerVerticle bNode = node();
        PeerVerticle cNode = node();
        TorrentEngine b = host(bNode, metainfo, dir.resolve("b"), true, slow);
        TorrentEngine c = host(cNode, metainfo, dir.resolve("c"), true, slow);
        await(b.connect("127.0.0.1", seedNode.actualPort()));
        await(c.connect("127.0.0.1", seedNode.actualPort()));

        // The seed's first ut_pex message to each goes out on its next tick (0.5 s); bounded wait.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        boolean met = false;
        while (!met && System.nanoTime() < deadline) {
            met = connectedTo(b, cNode.peerId()) && connectedTo(c, bNode.peerId());
            if (!met) {
                Thread.sleep(100);
            }
        }
        assertThat(met).as("b and c connected to each other, knowing only the seed's address").isTrue();
        assertThat(b.state().complete()).isFalse();
        assertThat(c.state().complete()).isFalse();
    }
}
