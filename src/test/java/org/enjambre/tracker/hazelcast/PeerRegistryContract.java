package org.enjambre.tracker.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.enjambre.net.PeerAddress;
import org.enjambre.tracker.protocol.AnnounceAnswer;
import org.enjambre.tracker.protocol.AnnounceEvent;
import org.enjambre.tracker.protocol.AnnounceRequest;
import org.enjambre.tracker.protocol.ReceivedAnnounce;
import org.enjambre.tracker.protocol.SwarmStats;
import org.enjambre.tracker.protocol.TrackerRefusal;
import org.enjambre.tracker.protocol.TransferStats;
import org.enjambre.tracker.server.PeerRegistry;
import org.enjambre.tracker.server.SwarmSnapshot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link LimitedPeerRegistry} must do, run on each: the cluster's
 * ({@link HazelcastPeerRegistryTest}) and a lone tracker's ({@link LocalPeerRegistryTest}). Each
 * test starts with an empty registry.
 */
abstract class PeerRegistryContract {
    static final Duration TIMEOUT = Duration.ofSeconds(4);
    static Vertx vertx;
    final AtomicLong clock = new AtomicLong(1_000_000);
    LimitedPeerRegistry registry;
    byte[] infoHash;

    /** A registry with these limits on this test's clock and {@link #TIMEOUT}, holding no swarm yet. */
    abstract LimitedPeerRegistry registry(TrackerLimits limits);

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @BeforeEach
    void newSwarm() {
        registry = registry(TrackerLimits.fromHeap());
        infoHash = new byte[20];
        new java.util.Random().nextBytes(infoHash);
    }

    static <T> T await(Future<T> f) throws Exception {
        return org.enjambre.testutil.Futures.awaitUnwrapped(f);
    }

    ReceivedAnnounce req(String id, int port, long left, AnnounceEvent event, int numwant) {
        return req(id, new byte[] {127, 0, 0, 1}, port, left, event, numwant, null);
    }

    ReceivedAnnounce req(String id, byte[] ip, int port, long left, AnnounceEvent event, int numwant, String key) {
        byte[] peerId = String.format("-EJ0001-%12s", id).getBytes(StandardCharsets.ISO_8859_1);
        return new ReceivedAnnounce(new AnnounceRequest(infoHash, peerId, port, new TransferStats(0, 0, left), event,
                numwant, key, null), ip, true, false);
    }

    AnnounceAnswer announce(String id, int port, long left, AnnounceEvent event) throws Exception {
        return await(registry.announce(req(id, port, left, event, 50)));
    }

    /** Ports of the answered peers, from the packed compact form (the requests here are compact). */
    static List<Integer> ports(AnnounceAnswer r) {
        assertThat(r.packed()).isTrue();
        assertThat(r.compact4().length % 6).isZero();
        List<Integer> ports = new java.util.ArrayList<>();
        for (int i = 0; i < r.compact4().length; i += 6) {
            ports.add(((r.compact4()[i + 4] & 0xff) << 8) | (r.compact4()[i + 5] & 0xff));
        }
        ports.sort(null);
        return ports;
    }

    @Test
    void peersSeeEachOtherButNeverThemselves() throws Exception {
        assertThat(announce("a", 1001, 10, AnnounceEvent.STARTED).peers()).isEmpty();
        AnnounceAnswer b = announce("b", 1002, 10, AnnounceEvent.STARTED);
        assertThat(ports(b)).containsExactly(1001);
        AnnounceAnswer c = announce("c", 1003, 0, AnnounceEvent.STARTED);
        assertThat(ports(c)).containsExactly(1001, 1002);
        assertThat(c.stats()).isEqualTo(new SwarmStats(1, 2, 0));
        assertThat(ports(announce("a", 1001, 10, AnnounceEvent.NONE))).containsExactly(1002, 1003);
    }

    @Test
    void seedersAreGivenOnlyLeechers() throws Exception {
        announce("s1", 2001, 0, AnnounceEvent.STARTED);
        announce("s2", 2002, 0, AnnounceEvent.STARTED);
        announce("l1", 2003, 5, AnnounceEvent.STARTED);
        assertThat(ports(announce("s1", 2001, 0, AnnounceEvent.NONE))).containsExactly(2003);
        assertThat(ports(announce("l1", 2003, 5, AnnounceEvent.NONE))).containsExactly(2001, 2002);
    }

    @Test
    void numwantBoundsTheAnswer() throws Exception {
        for (int i = 0; i < 30; i++) {
            announce("p" + i, 3000 + i, 1, AnnounceEvent.STARTED);
        }
        AnnounceAnswer r = await(registry.announce(req("asker", 4000, 1, AnnounceEvent.STARTED, 7)));
        assertThat(ports(r)).hasSize(7).doesNotHaveDuplicates().doesNotContain(4000);
        assertThat(r.stats().incomplete()).isEqualTo(31);
        assertThat(ports(await(registry.announce(req("asker", 4000, 1, AnnounceEvent.NONE, 0))))).isEmpty();
        // The dictionary model gets the same choice as objects, with peer ids.
        ReceivedAnnounce compact = req("asker", 4000, 1, AnnounceEvent.NONE, 5);
        ReceivedAnnounce dict = new ReceivedAnnounce(compact.request(), compact.ip(), false, false);
        AnnounceAnswer listed = await(registry.announce(dict));
        assertThat(listed.packed()).isFalse();
        assertThat(listed.peers()).hasSize(5).allSatisfy(p -> assertThat(p.peerId()).hasSize(20))
                .noneMatch(p -> p.address().port() == 4000);
    }

    @Test
    void ipv6PeersArePackedInTheirOwnEighteenByteList() throws Exception {
        byte[] v6 = new byte[16];
        v6[0] = 0x20;
        v6[1] = 0x01;
        v6[15] = 7;
        await(registry.announce(req("six", v6, 0x1A2B, 1, AnnounceEvent.STARTED, 50, null)));
        await(registry.announce(req("four", new byte[] {10, 1, 2, 3}, 0x0102, 1, AnnounceEvent.STARTED, 50, null)));
        AnnounceAnswer r = await(registry.announce(req("asker", new byte[] {10, 9, 9, 9}, 5000, 1, AnnounceEvent.STARTED, 50, null)));
        assertThat(r.compact4()).containsExactly(10, 1, 2, 3, 0x01, 0x02);
        byte[] expected6 = java.util.Arrays.copyOf(v6, 18);
        expected6[16] = 0x1A;
        expected6[17] = 0x2B;
        assertThat(r.compact6()).containsExactly(expected6);
        SwarmSnapshot s = await(registry.swarm(hex())).orElseThrow();
        assertThat(s.peers()).extracting(p -> p.address().isIpv6()).containsExactly(true, false, false);
        assertThat(s.peers().get(0).address()).isEqualTo(new PeerAddress("2001::7", 0x1A2B));
    }

    @Test
    void aFullSwarmRefusesNewPeersButServesItsOwn() throws Exception {
        registry = registry(new TrackerLimits(1_000_000, 2, 32, 1.0));
        announce("a", 1001, 1, AnnounceEvent.STARTED);
        announce("b", 1002, 1, AnnounceEvent.STARTED);
        assertThatThrownBy(() -> announce("c", 1003, 1, AnnounceEvent.STARTED))
                .isInstanceOf(TrackerRefusal.class).hasMessage("swarm full (2 peers), retry later");
        assertThat(ports(announce("a", 1001, 1, AnnounceEvent.NONE))).containsExactly(1002);
        announce("b", 1002, 1, AnnounceEvent.STOPPED);
        assertThat(ports(announce("c", 1003, 1, AnnounceEvent.STARTED))).containsExactly(1001);
    }

    @Test
    void pastTheSwarmLimitNewTorrentsAreRefusedUntilTheSweepFindsRoom() throws Exception {
        registry = registry(new TrackerLimits(1, 10, 32, 1.0));
        await(registry.sweep());
        announce("a", 1001, 1, AnnounceEvent.STARTED);
        byte[] known = infoHash;
        infoHash = new byte[20];
        infoHash[0] = 42;
        assertThatThrownBy(() -> announce("b", 1002, 1, AnnounceEvent.STARTED))
                .isInstanceOf(TrackerRefusal.class).hasMessage("tracker full: no new torrents for now, retry later");
        await(registry.sweep());
        assertThatThrownBy(() -> announce("b", 1002, 1, AnnounceEvent.STARTED)).isInstanceOf(TrackerRefusal.class);
        infoHash = known;
        assertThat(ports(announce("c", 1003, 1, AnnounceEvent.STARTED))).containsExactly(1001);
        // Once the sweep has forgotten the old swarm, a new torrent fits.
        clock.addAndGet(TIMEOUT.toMillis() + 1);
        assertThat(await(registry.sweep())).isEqualTo(2);
        infoHash = new byte[20];
        infoHash[0] = 42;
        assertThat(announce("b", 1002, 1, AnnounceEvent.STARTED).stats()).isEqualTo(new SwarmStats(0, 1, 0));
    }

    @Test
    void newTorrentsPastTheCapAreRefusedBeforeTheNextSweepAndCounted() throws Exception {
        registry = registry(new TrackerLimits(3, 10, 32, 1.0));
        await(registry.sweep());
        int refused = 0;
        for (int i = 0; i < 6; i++) {
            infoHash = new byte[20];
            infoHash[0] = 77;
            infoHash[1] = (byte) i;
            try {
                announce("a", 1001, 1, AnnounceEvent.STARTED);
            } catch (TrackerRefusal e) {
                assertThat(e.reason()).startsWith("tracker full");
                refused++;
            }
        }
        assertThat(refused).isEqualTo(3);
        assertThat(registry.refusals().get(TrackerLimits.Limit.SWARMS)).isEqualTo(3);
    }

    @Test
    void aFullAddressIsRefusedAndCounted() throws Exception {
        registry = registry(new TrackerLimits(1_000_000, 100, 2, 1.0));
        announce("a", 1001, 1, AnnounceEvent.STARTED);
        announce("b", 1002, 1, AnnounceEvent.STARTED);
        assertThatThrownBy(() -> announce("c", 1003, 1, AnnounceEvent.STARTED))
                .isInstanceOf(TrackerRefusal.class).hasMessageStartingWith("too many peers from your address");
        assertThat(registry.refusals().get(TrackerLimits.Limit.PEERS_PER_ADDRESS)).isEqualTo(1);
        // A peer id rule is no limit: not counted as one.
        assertThatThrownBy(() -> await(registry.announce(req("a", new byte[] {10, 0, 0, 3}, 1001, 1, AnnounceEvent.NONE, 50, null))))
                .isInstanceOf(TrackerRefusal.class).hasMessageContaining("another address");
        assertThat(registry.refusals().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(1);
    }

    @Test
    void stoppedRemovesThePeerAtOnce() throws Exception {
        announce("a", 1001, 10, AnnounceEvent.STARTED);
        announce("b", 1002, 10, AnnounceEvent.STARTED);
        assertThat(announce("a", 1001, 10, AnnounceEvent.STOPPED).stats()).isEqualTo(new SwarmStats(0, 1, 0));
        assertThat(ports(announce("b", 1002, 10, AnnounceEvent.NONE))).isEmpty();
        announce("b", 1002, 10, AnnounceEvent.STOPPED);
        assertThat(await(registry.swarm(hex()))).isEmpty();
    }

    @Test
    void completedCountsOncePerPeer() throws Exception {
        announce("a", 1001, 10, AnnounceEvent.STARTED);
        announce("a", 1001, 0, AnnounceEvent.COMPLETED);
        AnnounceAnswer again = announce("a", 1001, 0, AnnounceEvent.COMPLETED);
        assertThat(again.stats()).isEqualTo(new SwarmStats(1, 0, 1));
        announce("b", 1002, 0, AnnounceEvent.COMPLETED);
        assertThat(await(registry.scrape(List.of(hex()))).get(hex())).isEqualTo(new SwarmStats(2, 0, 2));
    }

    @Test
    void peersAreForgottenAfterTheTimeoutWithoutAnnounce() throws Exception {
        announce("old", 1001, 10, AnnounceEvent.STARTED);
        clock.addAndGet(TIMEOUT.toMillis() - 1);
        announce("fresh", 1002, 10, AnnounceEvent.STARTED);
        clock.addAndGet(2);
        AnnounceAnswer r = announce("asker", 1003, 10, AnnounceEvent.STARTED);
        assertThat(ports(r)).containsExactly(1002);
        assertThat(r.stats().incomplete()).isEqualTo(2);
    }

    @Test
    void sweepForgetsPeersOfSwarmsNobodyAnnouncesTo() throws Exception {
        announce("a", 1001, 10, AnnounceEvent.STARTED);
        announce("b", 1002, 0, AnnounceEvent.STARTED);
        assertThat(await(registry.sweep())).isZero();
        clock.addAndGet(TIMEOUT.toMillis() + 1);
        assertThat(await(registry.sweep())).isGreaterThanOrEqualTo(2);
        assertThat(await(registry.swarm(hex()))).isEmpty();
        assertThat(await(registry.scrape(List.of(hex()))).get(hex())).isEqualTo(SwarmStats.EMPTY);
    }

    @Test
    void changingAddressNeedsTheSameKey() throws Exception {
        await(registry.announce(req("k", new byte[] {10, 0, 0, 1}, 1001, 10, AnnounceEvent.STARTED, 50, "secret")));
        assertThatThrownBy(() -> await(registry.announce(req("k", new byte[] {10, 0, 0, 2}, 1001, 10, AnnounceEvent.NONE, 50, "other"))))
                .isInstanceOf(TrackerRefusal.class).hasMessageContaining("another key");
        await(registry.announce(req("k", new byte[] {10, 0, 0, 2}, 1001, 10, AnnounceEvent.NONE, 50, "secret")));
        SwarmSnapshot s = await(registry.swarm(hex())).orElseThrow();
        assertThat(s.peers()).singleElement().satisfies(p -> assertThat(p.address()).isEqualTo(new PeerAddress("10.0.0.2", 1001)));
    }

    @Test
    void scrapeAnswersZerosForUnknownSwarmsAndListsKnownOnes() throws Exception {
        announce("a", 1001, 0, AnnounceEvent.STARTED);
        String unknown = "ff".repeat(20);
        Map<String, SwarmStats> s = await(registry.scrape(List.of(unknown, hex())));
        assertThat(s).containsExactly(Map.entry(unknown, SwarmStats.EMPTY), Map.entry(hex(), new SwarmStats(1, 0, 0)));
        assertThat(await(registry.scrapeAll(100000))).containsEntry(hex(), new SwarmStats(1, 0, 0));
        assertThat(await(registry.scrapeAll(0))).isEmpty();
    }

    @Test
    void snapshotListsEveryPeerWithItsAddressAndProgress() throws Exception {
        announce("a", 1001, 10, AnnounceEvent.STARTED);
        clock.incrementAndGet();
        announce("b", 1002, 0, AnnounceEvent.STARTED);
        SwarmSnapshot s = await(registry.swarm(hex())).orElseThrow();
        assertThat(s.stats()).isEqualTo(new SwarmStats(1, 1, 0));
        assertThat(s.peers()).extracting(p -> p.address().port()).containsExactly(1001, 1002);
        assertThat(s.peers().get(1).seeder()).isTrue();
    }

    @Test
    void concurrentAnnouncesToOneSwarmLoseNoPeerAndCountExactly() throws Exception {
        int threads = 8;
        int perThread = 100;
        // A swarm that empties is forgotten with its downloaded count (as on a sweep): one peer stays throughout.
        announce("anchor", 1000, 1, AnnounceEvent.STARTED);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<Void>> done = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < perThread; i++) {
                        // Each peer from its own address (the per-address cap stays out of the way),
                        // every third one seeding by a completed event, every fifth one then leaving.
                        byte[] ip = {10, (byte) thread, (byte) (i >> 8), (byte) i};
                        String id = "t" + thread + "p" + i;
                        await(registry.announce(req(id, ip, 2000 + i, 1, AnnounceEvent.STARTED, 5, null)));
                        if (i % 3 == 0) {
                            await(registry.announce(req(id, ip, 2000 + i, 0, AnnounceEvent.COMPLETED, 5, null)));
                        }
                        if (i % 5 == 0) {
                            await(registry.announce(req(id, ip, 2000 + i, i % 3 == 0 ? 0 : 1, AnnounceEvent.STOPPED, 5, null)));
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (java.util.concurrent.Future<Void> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        int completedPerThread = (perThread + 2) / 3;
        int leftPerThread = perThread / 5;
        int seedersLeftPerThread = (perThread + 14) / 15; // i % 15 == 0: completed, then stopped
        SwarmStats expected = new SwarmStats(threads * (completedPerThread - seedersLeftPerThread),
                1 + threads * (perThread - completedPerThread - (leftPerThread - seedersLeftPerThread)), threads * completedPerThread);
        assertThat(await(registry.scrape(List.of(hex()))).get(hex())).isEqualTo(expected);
        SwarmSnapshot s = await(registry.swarm(hex())).orElseThrow();
        assertThat(s.stats()).isEqualTo(expected);
        assertThat(s.peers()).hasSize(expected.complete() + expected.incomplete())
                .extracting(SwarmSnapshot.PeerInfo::address).doesNotHaveDuplicates();
    }

    @Test
    void aSampleHandsOutLivePeersAndSaysWhenTheSwarmIsFull() throws Exception {
        registry = registry(new TrackerLimits(1_000_000, 3, 32, 1.0));
        assertThat(await(registry.sample(hex(), 50))).isEqualTo(new PeerRegistry.Sample(List.of(), false));
        announce("old", 1001, 1, AnnounceEvent.STARTED);
        clock.addAndGet(TIMEOUT.toMillis() + 1);
        announce("a", 1002, 1, AnnounceEvent.STARTED);
        announce("b", 1003, 0, AnnounceEvent.STARTED);
        PeerRegistry.Sample two = await(registry.sample(hex(), 50));
        assertThat(two.peers()).extracting(PeerAddress::port).containsExactlyInAnyOrder(1002, 1003);
        assertThat(two.full()).isFalse();
        assertThat(await(registry.sample(hex(), 1)).peers()).hasSize(1);
        announce("c", 1004, 1, AnnounceEvent.STARTED);
        assertThat(await(registry.sample(hex(), 50)).full()).isTrue();
    }

    String hex() {
        return HexFormat.of().formatHex(infoHash);
    }
}
