package org.enjambre.tracker.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.enjambre.net.PeerAddress;
import org.enjambre.tracker.protocol.AnnounceAnswer;
import org.enjambre.tracker.protocol.AnnounceEvent;
import org.enjambre.tracker.protocol.AnnounceRequest;
import org.enjambre.tracker.protocol.CompactPeersVectorTest;
import org.enjambre.tracker.protocol.PeerEntry;
import org.enjambre.tracker.protocol.ReceivedAnnounce;
import org.enjambre.tracker.protocol.SwarmStats;
import org.enjambre.tracker.protocol.TrackerRefusal;
import org.enjambre.tracker.protocol.TransferStats;
import org.enjambre.tracker.server.SwarmSnapshot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HazelcastPeerRegistryTest {
    static final Duration TIMEOUT = Duration.ofSeconds(4);
    /** A one-peer swarm on the wire, packed records; 108 with an object per peer (a swarm's salt is 16 of these). */
    static final int STORED_ONE_PEER_SWARM_BYTES = 97;
    static final int STORED_ONE_PEER_SWARM_BYTES_AS_OBJECTS = 108;
    static Vertx vertx;
    static HazelcastInstance hazelcast;
    final AtomicLong clock = new AtomicLong(1_000_000);
    HazelcastPeerRegistry registry;
    byte[] infoHash;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        Config config = new Config();
        config.setClusterName("registry-test-" + System.nanoTime());
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
        config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
        config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        config.getNetworkConfig().setPortAutoIncrement(true).setPort(15701);
        hazelcast = Hazelcast.newHazelcastInstance(TrackerMaps.configure(config));
    }

    @AfterAll
    static void stop() throws Exception {
        hazelcast.shutdown();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @BeforeEach
    void newSwarm() {
        registry = new HazelcastPeerRegistry(vertx, hazelcast, TIMEOUT, clock::get);
        infoHash = new byte[20];
        new java.util.Random().nextBytes(infoHash);
    }

    static <T> T await(Future<T> f) throws Exception {
        try {
            return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw (Exception) e.getCause();
        }
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
        registry = new HazelcastPeerRegistry(vertx, hazelcast, TIMEOUT, clock::get, new TrackerLimits(1_000_000, 2, 32, 1.0));
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
        announce("a", 1001, 1, AnnounceEvent.STARTED);
        registry = new HazelcastPeerRegistry(vertx, hazelcast, TIMEOUT, clock::get, new TrackerLimits(1, 10, 32, 1.0));
        await(registry.sweep());
        byte[] known = infoHash;
        infoHash = new byte[20];
        infoHash[0] = 42;
        assertThatThrownBy(() -> announce("b", 1002, 1, AnnounceEvent.STARTED))
                .isInstanceOf(TrackerRefusal.class).hasMessageContaining("tracker full");
        infoHash = known;
        assertThat(ports(announce("c", 1003, 1, AnnounceEvent.STARTED))).containsExactly(1001);
    }

    @Test
    void newTorrentsPastTheCapAreRefusedBeforeTheNextSweepAndCounted() throws Exception {
        registry = new HazelcastPeerRegistry(vertx, hazelcast, TIMEOUT, clock::get, new TrackerLimits(3, 10, 32, 1.0));
        await(registry.sweep());
        long before = registry.refusals().get(HazelcastPeerRegistry.Limit.SWARMS);
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
        // The map may hold swarms of other tests (one member, no backups): at most 3 in all are made.
        assertThat(refused).isGreaterThanOrEqualTo(3);
        assertThat(registry.refusals().get(HazelcastPeerRegistry.Limit.SWARMS) - before).isEqualTo(refused);
    }

    @Test
    void aFullAddressIsRefusedAndCounted() throws Exception {
        registry = new HazelcastPeerRegistry(vertx, hazelcast, TIMEOUT, clock::get, new TrackerLimits(1_000_000, 100, 2, 1.0));
        announce("a", 1001, 1, AnnounceEvent.STARTED);
        announce("b", 1002, 1, AnnounceEvent.STARTED);
        assertThatThrownBy(() -> announce("c", 1003, 1, AnnounceEvent.STARTED))
                .isInstanceOf(TrackerRefusal.class).hasMessageStartingWith("too many peers from your address");
        assertThat(registry.refusals().get(HazelcastPeerRegistry.Limit.PEERS_PER_ADDRESS)).isEqualTo(1);
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
    void aLimitedCopyKeepsTheMostRecentPeersAndTheWholeSwarmsCounts() {
        Swarm swarm = new Swarm();
        for (int i = 0; i < 5; i++) {
            byte[] id = new byte[20];
            id[0] = (byte) i;
            swarm.upsert(id, new byte[] {10, 0, 0, 1}, 1000 + i, i == 0, null, 100 + i);
        }
        Swarm copy = swarm.copy(2);
        assertThat(copy.snapshot().peers()).extracting(p -> p.address().port()).containsExactly(1003, 1004);
        assertThat(copy.stats()).isEqualTo(new SwarmStats(1, 4, 0));
        var ss = ((com.hazelcast.spi.impl.SerializationServiceSupport) hazelcast).getSerializationService();
        Swarm back = ss.toObject(ss.toData(copy));
        assertThat(back.stats()).isEqualTo(new SwarmStats(1, 4, 0));
        assertThat(swarm.copy(0).snapshot().peers()).isEmpty();
        assertThat(swarm.copy(10).snapshot().peers()).hasSize(5);
    }

    @Test
    void swarmSurvivesSerializationRoundTrip() {
        Swarm swarm = new Swarm();
        swarm.completed(swarm.upsert(new byte[20], new byte[] {1, 2, 3, 4}, 65535, true, "k", 10));
        byte[] id2 = new byte[20];
        id2[0] = 1;
        swarm.upsert(id2, new byte[16], 6881, false, null, 20);
        var ss = ((com.hazelcast.spi.impl.SerializationServiceSupport) hazelcast).getSerializationService();
        Swarm back = ss.toObject(ss.toData(swarm));
        assertThat(back.snapshot()).isEqualTo(swarm.snapshot());
        assertThat(back.stats()).isEqualTo(new SwarmStats(1, 1, 1));
        // The key survives: the copy still tells the right key from a wrong one.
        assertThat(back.sameKey(back.find(new byte[20]), "k")).isTrue();
        assertThat(back.sameKey(back.find(new byte[20]), "x")).isFalse();
        assertThat(back.expire(15)).isEqualTo(1);
        assertThat(back.size()).isEqualTo(1);
    }

    String hex() {
        return HexFormat.of().formatHex(infoHash);
    }

    @Test
    void theRegistryPacksPeersIntoTheRecordedCompactBytes() {
        Swarm swarm = new Swarm();
        byte[] v4 = {10, 0, 0, 1};
        byte[] v6 = HexFormat.of().parseHex(CompactPeersVectorTest.PEERS6_HEX.substring(0, 32));
        swarm.upsert(id(1), v4, 6881, false, null, 1);
        swarm.upsert(id(2), v6, 6881, false, null, 1);
        int asker = swarm.upsert(id(3), new byte[] {10, 9, 9, 9}, 5000, false, null, 1);
        byte[][] packed = swarm.selectPacked(asker, 50, 0, new java.util.Random(1));
        assertThat(HexFormat.of().formatHex(packed[0])).isEqualTo(CompactPeersVectorTest.PEERS_HEX.substring(0, 12));
        assertThat(HexFormat.of().formatHex(packed[1])).isEqualTo(CompactPeersVectorTest.PEERS6_HEX);
        assertThat(swarm.select(asker, 50, 0, new java.util.Random(1))).extracting(PeerEntry::address)
                .containsExactlyInAnyOrder(new PeerAddress("10.0.0.1", 6881), CompactPeersVectorTest.IPV6);
    }

    @Test
    void aStoredPeerTakesFewerBytesThanAsAnObject() {
        Swarm swarm = new Swarm();
        swarm.upsert(id(1), new byte[] {10, 0, 0, 1}, 6881, false, null, 4);
        var ss = ((com.hazelcast.spi.impl.SerializationServiceSupport) hazelcast).getSerializationService();
        assertThat(ss.toData(swarm).totalSize()).isEqualTo(STORED_ONE_PEER_SWARM_BYTES)
                .isLessThan(STORED_ONE_PEER_SWARM_BYTES_AS_OBJECTS);
    }

    @Test
    void aDictionaryModelOutcomeCrossesTheClusterWithAddressesAndPeerIds() {
        AnnounceOutcome outcome = new AnnounceOutcome(new SwarmStats(1, 1, 0), List.of(
                new PeerEntry(new PeerAddress("10.0.0.1", 6881), id(1)),
                new PeerEntry(CompactPeersVectorTest.IPV6, id(2))));
        var ss = ((com.hazelcast.spi.impl.SerializationServiceSupport) hazelcast).getSerializationService();
        AnnounceOutcome back = ss.toObject(ss.toData(outcome));
        assertThat(back.answer().peers()).containsExactlyElementsOf(outcome.answer().peers());
        assertThat(back.answer().stats()).isEqualTo(new SwarmStats(1, 1, 0));
    }

    static byte[] id(int n) {
        byte[] id = new byte[20];
        id[0] = (byte) n;
        return id;
    }
}
