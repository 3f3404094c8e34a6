package org.enjambre.tracker.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.util.HexFormat;
import java.util.List;
import org.enjambre.net.PeerAddress;
import org.enjambre.tracker.protocol.CompactPeersVectorTest;
import org.enjambre.tracker.protocol.PeerEntry;
import org.enjambre.tracker.protocol.SwarmStats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The registry contract on a Hazelcast member, and how a swarm and an outcome cross the cluster. */
class HazelcastPeerRegistryTest extends PeerRegistryContract {
    /** A one-peer swarm on the wire, packed records; 108 with an object per peer (a swarm's salt is 16 of these). */
    static final int STORED_ONE_PEER_SWARM_BYTES = 97;
    static final int STORED_ONE_PEER_SWARM_BYTES_AS_OBJECTS = 108;
    static HazelcastInstance hazelcast;

    @BeforeAll
    static void start() {
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
    static void stop() {
        hazelcast.shutdown();
    }

    @BeforeEach
    void emptyMap() {
        hazelcast.getMap(TrackerMaps.SWARMS).clear();
    }

    @Override
    LimitedPeerRegistry registry(TrackerLimits limits) {
        return new HazelcastPeerRegistry(vertx, hazelcast, TIMEOUT, clock::get, limits);
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
