package org.enjambre.tracker.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.enjambre.tracker.protocol.AnnounceEvent;
import org.enjambre.tracker.protocol.AnnounceRequest;
import org.enjambre.tracker.protocol.ReceivedAnnounce;
import org.enjambre.tracker.protocol.SwarmStats;
import org.enjambre.tracker.protocol.TransferStats;
import org.junit.jupiter.api.Test;

/**
 * The registry's rules on one swarm, through the {@link AnnounceProcessor} that Hazelcast runs on
 * the swarm's owner (here on a plain map entry): who may change a peer, how many peers one address
 * registers, and a swarm's index under peer ids chosen to collide. One test per finding of issue 14.
 */
class SwarmRulesTest {
    static final TrackerLimits LIMITS = new TrackerLimits(1_000, 200_000, 32, 1.0);
    static final byte[] INFO_HASH = new byte[20];
    static final byte[] HOME = {10, 0, 0, 1};
    static final byte[] ELSEWHERE = {10, 0, 0, 9};
    final Map.Entry<String, Swarm> entry = new AbstractMap.SimpleEntry<>("swarm", null);
    long now = 1_000_000;

    AnnounceOutcome announce(byte[] peerId, byte[] ip, AnnounceEvent event, String key) {
        AnnounceRequest r = new AnnounceRequest(INFO_HASH, peerId, 6881, new TransferStats(0, 0, 10), event, 50, key, null);
        return new AnnounceProcessor(new ReceivedAnnounce(r, ip, true, true), now++, 0, LIMITS, true, true).process(entry);
    }

    static byte[] id(String name) {
        return String.format("-EJ0001-%12s", name).getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aPeerThatGaveAKeyCannotBeMovedOrStoppedWithoutIt() {
        assertThat(announce(id("victim"), HOME, AnnounceEvent.STARTED, "secret").refusal).isNull();
        // Whoever learnt the peer id, from the victim's address or another, without the key:
        assertThat(announce(id("victim"), ELSEWHERE, AnnounceEvent.NONE, null).refusal).contains("another key");
        assertThat(announce(id("victim"), ELSEWHERE, AnnounceEvent.STOPPED, "guess").refusal).contains("another key");
        assertThat(announce(id("victim"), HOME, AnnounceEvent.STOPPED, null).refusal).contains("another key");
        assertThat(entry.getValue().address(0).ip().orElseThrow().getAddress()).containsExactly(HOME);
        // The client itself, with its key, moves and leaves.
        assertThat(announce(id("victim"), ELSEWHERE, AnnounceEvent.NONE, "secret").refusal).isNull();
        assertThat(announce(id("victim"), ELSEWHERE, AnnounceEvent.STOPPED, "secret").refusal).isNull();
        assertThat(entry.getValue()).isNull();
    }

    @Test
    void aPeerWithoutAKeyIsChangedOnlyFromItsOwnAddress() {
        assertThat(announce(id("plain"), HOME, AnnounceEvent.STARTED, null).refusal).isNull();
        assertThat(announce(id("plain"), ELSEWHERE, AnnounceEvent.STOPPED, null).refusal).contains("another address");
        assertThat(announce(id("plain"), ELSEWHERE, AnnounceEvent.NONE, "mine-now").refusal).contains("another address");
        assertThat(entry.getValue().size()).isEqualTo(1);
        assertThat(announce(id("plain"), HOME, AnnounceEvent.STOPPED, null).refusal).isNull();
        assertThat(entry.getValue()).isNull();
    }

    @Test
    void oneAddressCannotFillASwarmWithMadeUpPeerIds() {
        int refused = 0;
        for (int i = 0; i < 100_000; i++) {
            String refusal = announce(id("fake" + i), ELSEWHERE, AnnounceEvent.STARTED, null).refusal;
            if (refusal != null) {
                assertThat(refusal).startsWith(AnnounceProcessor.ADDRESS_FULL);
                refused++;
            }
        }
        assertThat(refused).isEqualTo(100_000 - LIMITS.peersPerAddress());
        assertThat(entry.getValue().size()).isEqualTo(LIMITS.peersPerAddress());
        // Real peers from other addresses still get in, and see the made-up ones only up to the cap.
        assertThat(announce(id("real"), HOME, AnnounceEvent.STARTED, null).refusal).isNull();
        assertThat(entry.getValue().stats()).isEqualTo(new SwarmStats(0, LIMITS.peersPerAddress() + 1, 0));
    }

    /**
     * The per-address counts are kept per hash bucket, so another address may share the bucket of
     * one that is full: 300 fresh swarms (each with its own hash key) each filled from one address,
     * then one peer from another address each. Counted by bucket alone, about one in 32 was refused.
     */
    @Test
    void aPeerSharingAHashBucketWithAFullAddressIsNotRefused() {
        for (int trial = 0; trial < 300; trial++) {
            Map.Entry<String, Swarm> swarm = new AbstractMap.SimpleEntry<>("swarm", null);
            for (int i = 0; i < LIMITS.peersPerAddress(); i++) {
                announceTo(swarm, id("nat" + i), ELSEWHERE);
            }
            byte[] other = {10, 1, (byte) (trial >> 8), (byte) trial};
            assertThat(announceTo(swarm, id("other"), other).refusal).as("trial %d", trial).isNull();
            assertThat(announceTo(swarm, id("nat-extra"), ELSEWHERE).refusal).startsWith(AnnounceProcessor.ADDRESS_FULL);
        }
    }

    AnnounceOutcome announceTo(Map.Entry<String, Swarm> swarm, byte[] peerId, byte[] ip) {
        AnnounceRequest r = new AnnounceRequest(INFO_HASH, peerId, 6881, new TransferStats(0, 0, 10), AnnounceEvent.STARTED, 50, null, null);
        return new AnnounceProcessor(new ReceivedAnnounce(r, ip, true, true), now++, 0, LIMITS, true, true).process(swarm);
    }

    @Test
    void peersFromOneAddressLeavingMakeRoomForOthersFromIt() {
        for (int i = 0; i < LIMITS.peersPerAddress(); i++) {
            assertThat(announce(id("nat" + i), ELSEWHERE, AnnounceEvent.STARTED, null).refusal).isNull();
        }
        assertThat(announce(id("one-more"), ELSEWHERE, AnnounceEvent.STARTED, null).refusal).isNotNull();
        announce(id("nat0"), ELSEWHERE, AnnounceEvent.STOPPED, null);
        assertThat(announce(id("one-more"), ELSEWHERE, AnnounceEvent.STARTED, null).refusal).isNull();
    }

    /**
     * 10,000 peer ids with one {@code Arrays.hashCode}: each pair of bytes (x, y) may become
     * (x + 1, y - 31), which adds the same to the hash. With that hash as the index, every id
     * landed in one probe run and one swarm became 20 times slower.
     */
    static byte[][] collidingPeerIds(int count) {
        byte[][] ids = new byte[count][];
        for (int n = 0; n < count; n++) {
            byte[] id = new byte[20];
            int digits = n;
            for (int pair = 0; pair < 10; pair++) {
                int d = digits & 3;
                digits >>>= 2;
                id[2 * pair] = (byte) (40 + d);
                id[2 * pair + 1] = (byte) (100 - 31 * d);
            }
            ids[n] = id;
        }
        return ids;
    }

    @Test
    void peerIdsChosenToCollideDoNotMakeALongProbe() {
        byte[][] colliding = collidingPeerIds(10_000);
        Set<Integer> javaHashes = new HashSet<>();
        for (byte[] id : colliding) {
            javaHashes.add(Arrays.hashCode(id));
        }
        assertThat(javaHashes).as("the ids do collide in Java's hash").hasSize(1);
        Swarm swarm = new Swarm();
        for (byte[] id : colliding) {
            swarm.upsert(id, HOME, 6881, false, null, now);
        }
        assertThat(swarm.size()).isEqualTo(10_000);
        // Linear probing at a load of at most 3/4 with a keyed hash: a couple of probes a lookup.
        assertThat(swarm.meanProbeLength()).isLessThan(4.0);
        for (byte[] id : colliding) {
            assertThat(swarm.find(id)).isNotNegative();
        }
    }

    @Test
    void everyPeerStaysFindableThroughInsertsKindChangesAndRemovals() {
        Random random = new Random(7);
        Swarm swarm = new Swarm();
        Map<Integer, Boolean> model = new java.util.HashMap<>();
        for (int step = 0; step < 20_000; step++) {
            int n = random.nextInt(500);
            byte[] id = new byte[20];
            id[0] = (byte) n;
            id[1] = (byte) (n >> 8);
            byte[] ip = random.nextInt(5) == 0 ? new byte[16] : new byte[] {10, 0, (byte) (n >> 8), (byte) n};
            ip[ip.length - 1] = (byte) n;
            if (random.nextInt(4) == 0) {
                assertThat(swarm.remove(id)).isEqualTo(model.remove(n) != null);
            } else {
                boolean seeder = random.nextBoolean();
                int slot = swarm.upsert(id, ip, 1000 + n, seeder, null, step);
                model.put(n, seeder);
                assertThat(swarm.seeder(slot)).isEqualTo(seeder);
                assertThat(swarm.address(slot).port()).isEqualTo(1000 + n);
                assertThat(swarm.sameIp(slot, ip)).isTrue();
            }
        }
        assertThat(swarm.size()).isEqualTo(model.size());
        long seeders = model.values().stream().filter(b -> b).count();
        assertThat(swarm.stats().complete()).isEqualTo((int) seeders);
        for (int n : model.keySet()) {
            byte[] id = new byte[20];
            id[0] = (byte) n;
            id[1] = (byte) (n >> 8);
            int slot = swarm.find(id);
            assertThat(slot).isNotNegative();
            assertThat(swarm.seeder(slot)).isEqualTo(model.get(n));
            assertThat(swarm.address(slot).port()).isEqualTo(1000 + n);
        }
    }

    @Test
    void aSwarmPastSixtyFiveThousandPeersWidensItsIndexAndFindsEveryPeer() {
        Swarm swarm = new Swarm();
        int count = 70_000;
        for (int i = 0; i < count; i++) {
            swarm.upsert(numbered(i), new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}, 6881, i % 2 == 0, null, now);
        }
        for (int i = 0; i < count; i += 3) {
            assertThat(swarm.remove(numbered(i))).isTrue();
        }
        for (int i = 0; i < count; i++) {
            int slot = swarm.find(numbered(i));
            assertThat(slot >= 0).as("peer %d", i).isEqualTo(i % 3 != 0);
            if (slot >= 0) {
                assertThat(swarm.sameIp(slot, new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i})).isTrue();
            }
        }
        assertThat(swarm.meanProbeLength()).isLessThan(4.0);
    }

    static byte[] numbered(int i) {
        byte[] id = new byte[20];
        id[0] = (byte) i;
        id[1] = (byte) (i >> 8);
        id[2] = (byte) (i >> 16);
        return id;
    }

    @Test
    void expiryOnTheAnnouncePathReachesEveryPeerOfALargeSwarm() {
        Swarm swarm = new Swarm();
        for (int i = 0; i < 1_000; i++) {
            byte[] id = new byte[20];
            id[0] = (byte) i;
            id[1] = (byte) (i >> 8);
            swarm.upsert(id, HOME, 6881, i % 3 == 0, null, 100);
        }
        // Each announce checks a few records; 1,000 announces' worth checks every one.
        int removed = 0;
        for (int n = 0; n < 1_000 / Swarm.CHECKED_PER_ANNOUNCE + 1; n++) {
            removed += swarm.expireSome(200);
        }
        assertThat(removed).isEqualTo(1_000);
        assertThat(swarm.isEmpty()).isTrue();
    }

    @Test
    void aSmallSwarmForgetsEachExpiredPeerOnTheNextAnnounceThoughItIsNotCheckedWholeEveryTime() {
        Swarm swarm = new Swarm();
        swarm.upsert(numbered(1), HOME, 6881, false, null, 100);
        swarm.upsert(numbered(2), ELSEWHERE, 6881, true, null, 150);
        assertThat(swarm.expireSome(50)).isZero();
        assertThat(swarm.expireSome(120)).isEqualTo(1);
        assertThat(swarm.stats()).isEqualTo(new SwarmStats(1, 0, 0));
        // A new peer: nothing expires until the cutoff passes peer 2, the oldest left.
        swarm.upsert(numbered(3), HOME, 6881, false, null, 200);
        assertThat(swarm.expireSome(140)).isZero();
        assertThat(swarm.expireSome(160)).isEqualTo(1);
        // A clock that steps back: a peer seen "earlier" than the oldest still expires on time.
        swarm.upsert(numbered(4), HOME, 6882, false, null, 170);
        assertThat(swarm.expireSome(180)).isEqualTo(1);
        assertThat(swarm.size()).isEqualTo(1);
        assertThat(swarm.expireSome(201)).isEqualTo(1);
        assertThat(swarm.isEmpty()).isTrue();
    }
}
