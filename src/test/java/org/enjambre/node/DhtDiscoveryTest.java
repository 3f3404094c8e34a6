package org.enjambre.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.enjambre.discovery.DhtSource;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.net.PeerAddress;
import org.enjambre.storage.TorrentStorage;
import org.enjambre.swarm.EngineOptions;
import org.enjambre.swarm.StoragePieceStore;
import org.enjambre.swarm.TestTorrents;
import org.enjambre.swarm.TorrentEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two peers with no tracker and no --peer: the leecher finds the seeder through the DHT alone. */
class DhtDiscoveryTest {
    static final DhtSource.Timing QUICK = new DhtSource.Timing(Duration.ofSeconds(1), Duration.ofMinutes(10));

    @TempDir
    Path dir;
    final Vertx vertx = Vertx.vertx(new VertxOptions().setWorkerPoolSize(PeerVerticle.STORAGE_THREADS));

    @AfterEach
    void stop() throws Exception {
        await(vertx.close());
    }

    /** A DHT lookup across a few nodes may take longer than most waits. */
    static <T> T await(Future<T> f) throws Exception {
        return org.enjambre.testutil.Futures.await(f, java.time.Duration.ofSeconds(90));
    }

    record Peer(PeerVerticle verticle, DhtService dht) {
    }

    Peer peer(String dhtHost, List<PeerAddress> bootstrap, Path state) throws Exception {
        DhtService dht = await(DhtService.start(vertx, new DhtService.Settings(true, dhtHost, 0, bootstrap, state)));
        PeerVerticle verticle = new PeerVerticle("127.0.0.1", 0).dht(dht.node(), dht.port(), QUICK);
        await(vertx.deployVerticle(verticle));
        return new Peer(verticle, dht);
    }

    @Test
    void aLeecherWithNoTrackerFindsTheSeederThroughTheDht() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("data/file.bin"), 3L * 1024 * 1024 + 17, 5);
        Metainfo metainfo = TestTorrents.create(content, 64 * 1024, dir.resolve("file.torrent"), null);
        assertThat(metainfo.trackers()).isEmpty();

        Peer seeder = peer("127.0.0.1", List.of(), dir.resolve("seeder.dht"));
        await(seeder.verticle().addTorrent(metainfo,
                new StoragePieceStore(TorrentStorage.open(metainfo.info(), dir.resolve("data")), false),
                EngineOptions.defaults()));
        Peer leecher = peer("127.0.0.2", List.of(new PeerAddress("127.0.0.1", seeder.dht().port())), null);
        TorrentEngine engine = await(leecher.verticle().addTorrent(metainfo,
                new StoragePieceStore(TorrentStorage.open(metainfo.info(), dir.resolve("out")), true),
                EngineOptions.defaults()));
        await(engine.completion());
        assertThat(Files.mismatch(content, dir.resolve("out/file.bin"))).isEqualTo(-1L);
        assertThat(leecher.dht().node().stats().lookups()).isPositive();

        // The seeder's id and the leecher it met are saved for its next run.
        await(seeder.dht().close());
        var saved = org.enjambre.dht.DhtState.decode(Files.readAllBytes(dir.resolve("seeder.dht")));
        assertThat(saved.id()).isEqualTo(seeder.dht().node().id());
        assertThat(saved.nodes()).extracting(n -> n.address().host()).contains("127.0.0.2");
        await(leecher.dht().close());
    }

    @Test
    void peersThatMeetTellEachOtherTheirDhtPortAndEachPingsTheOther() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("data/small.bin"), 256 * 1024, 6);
        Metainfo metainfo = TestTorrents.create(content, 64 * 1024, dir.resolve("small.torrent"), null);
        // Neither DHT knows any node: only the BEP 5 port message can introduce them.
        Peer seeder = peer("127.0.0.1", List.of(), null);
        await(seeder.verticle().addTorrent(metainfo,
                new StoragePieceStore(TorrentStorage.open(metainfo.info(), dir.resolve("data")), false),
                EngineOptions.defaults()));
        Peer leecher = peer("127.0.0.1", List.of(), null); // where its TCP connections come from
        TorrentEngine engine = await(leecher.verticle().addTorrent(metainfo,
                new StoragePieceStore(TorrentStorage.open(metainfo.info(), dir.resolve("out")), true),
                EngineOptions.defaults()));
        leecher.verticle().addSource(metainfo.infoHash(), new org.enjambre.discovery.ManualSource(
                List.of(new PeerAddress("127.0.0.1", seeder.verticle().actualPort()))));
        await(engine.completion());
        for (int i = 0; i < 100 && (seeder.dht().node().stats().nodes() == 0 || leecher.dht().node().stats().nodes() == 0); i++) {
            Thread.sleep(100);
        }
        assertThat(await(seeder.dht().node().state()).nodes()).extracting(n -> n.address())
                .containsExactly(new PeerAddress("127.0.0.1", leecher.dht().port()));
        assertThat(await(leecher.dht().node().state()).nodes()).extracting(n -> n.address())
                .containsExactly(new PeerAddress("127.0.0.1", seeder.dht().port()));
        await(seeder.dht().close());
        await(leecher.dht().close());
    }
}
