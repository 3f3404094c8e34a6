package org.enjambre.dht;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.enjambre.dht.RoutingTable.Added;
import org.enjambre.dht.RoutingTable.Pending;
import org.enjambre.dht.RoutingTable.Refused;
import org.enjambre.dht.RoutingTable.Status;
import org.enjambre.dht.RoutingTable.Updated;
import org.enjambre.net.PeerAddress;
import org.junit.jupiter.api.Test;

/** The BEP 5 routing table on a clock the test moves: splits, good/questionable/bad, replacement, refresh. */
class RoutingTableTest {
    static final NodeId OWN = NodeId.of(new byte[20]);
    final AtomicLong now = new AtomicLong(1_000_000);
    final RoutingTable table = new RoutingTable(OWN, now::get);
    int port = 10_000;

    /** A node whose id starts with {@code firstByte} (0x80 and up: the far half from our all-zero id). */
    NodeInfo node(int firstByte) {
        byte[] id = new byte[20];
        ThreadLocalRandom.current().nextBytes(id);
        id[0] = (byte) firstByte;
        return new NodeInfo(NodeId.of(id), new PeerAddress("127.0.0.1", port++));
    }

    List<NodeInfo> fill(int firstByte, int count) {
        List<NodeInfo> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            NodeInfo n = node(firstByte);
            assertThat(table.heardFrom(n, true)).isInstanceOf(Added.class);
            out.add(n);
        }
        return out;
    }

    void advanceMinutes(long minutes) {
        now.addAndGet(minutes * 60_000);
    }

    @Test
    void afterAJoinEveryRangeFartherThanTheNearestNeighbourWithTooFewNodesIsATarget() {
        // Our own id is all zeros: a first byte of 0x10..0x1f shares exactly 3 bits with it, 0x01 shares 7.
        fill(0x10, RoutingTable.K);
        fill(0x01, 2);
        List<NodeId> targets = table.sparseRangeTargets();
        // Prefixes 0, 1, 2, 4, 5, 6 hold nothing; 3 is full; 7 is the nearest neighbour's own range.
        assertThat(targets).extracting(OWN::commonPrefixLength).containsExactly(0, 1, 2, 4, 5, 6);
        fill(0x80, RoutingTable.K);
        assertThat(table.sparseRangeTargets()).extracting(OWN::commonPrefixLength).containsExactly(1, 2, 4, 5, 6);
        // An empty table has no neighbour to measure from: the join's own-id lookup comes first.
        assertThat(new RoutingTable(OWN, now::get).sparseRangeTargets()).isEmpty();
    }

    @Test
    void aNodeEntersOnlyOnceItHasAnswered() {
        NodeInfo n = node(0x80);
        assertThat(table.heardFrom(n, false)).isInstanceOf(Refused.class);
        assertThat(table.contains(n.id())).isFalse();
        assertThat(table.heardFrom(n, true)).isInstanceOf(Added.class);
        assertThat(table.heardFrom(n, false)).isInstanceOf(Updated.class);
        assertThat(table.heardFrom(new NodeInfo(OWN, n.address()), true)).isInstanceOf(Refused.class);
    }

    @Test
    void anIdKnownAtOneAddressIsNotTakenOverFromAnother() {
        NodeInfo n = node(0x80);
        table.heardFrom(n, true);
        NodeInfo impostor = new NodeInfo(n.id(), new PeerAddress("127.0.0.2", 9));
        assertThat(table.heardFrom(impostor, true)).isInstanceOf(Refused.class);
        assertThat(table.closest(n.id(), 1)).containsExactly(n);
    }

    @Test
    void onlyTheBucketHoldingOurIdSplits() {
        List<NodeInfo> far = fill(0x80, RoutingTable.K);
        assertThat(table.bucketCount()).isEqualTo(1);
        // The ninth far node splits the one bucket (it holds our id), then finds the far half full.
        NodeInfo ninth = node(0x81);
        assertThat(table.heardFrom(ninth, true)).isInstanceOf(Pending.class);
        assertThat(table.bucketCount()).isEqualTo(2);
        assertThat(table.bucket(0)).containsExactlyInAnyOrderElementsOf(far);
        assertThat(table.replacements(0)).containsExactly(ninth);
        // More far nodes never split the far bucket again.
        for (int i = 0; i < 5; i++) {
            assertThat(table.heardFrom(node(0xC0), true)).isInstanceOf(Pending.class);
        }
        assertThat(table.bucketCount()).isEqualTo(2);
        // Near nodes (first bit 0) fill the near bucket, and splitting goes on towards our id.
        fill(0x40, RoutingTable.K);
        fill(0x20, RoutingTable.K);
        fill(0x10, RoutingTable.K);
        assertThat(table.bucketCount()).isEqualTo(4);
        assertThat(table.bucket(1)).allMatch(n -> OWN.commonPrefixLength(n.id()) == 1);
        assertThat(table.bucket(2)).allMatch(n -> OWN.commonPrefixLength(n.id()) == 2);
        assertThat(table.size()).isEqualTo(4 * RoutingTable.K);
    }

    @Test
    void nodesAreGoodThenQuestionableThenBad() {
        NodeInfo n = fill(0x80, 1).getFirst();
        assertThat(table.status(n.id())).isEqualTo(Status.GOOD);
        advanceMinutes(15);
        assertThat(table.status(n.id())).isEqualTo(Status.QUESTIONABLE);
        table.heardFrom(n, false); // it queried us: it answered once before, so it is good again
        assertThat(table.status(n.id())).isEqualTo(Status.GOOD);
        table.failed(n.id());
        assertThat(table.status(n.id())).isEqualTo(Status.GOOD);
        table.failed(n.id());
        assertThat(table.status(n.id())).isEqualTo(Status.BAD);
        assertThat(table.closest(n.id(), 8)).doesNotContain(n);
        table.heardFrom(n, true);
        assertThat(table.status(n.id())).isEqualTo(Status.GOOD);
    }

    @Test
    void aFullBucketOfGoodNodesKeepsThemAndTheNewcomerWaits() {
        fill(0x80, RoutingTable.K);
        table.heardFrom(node(0x90), true); // splits
        NodeInfo newcomer = node(0xA0);
        Pending pending = (Pending) table.heardFrom(newcomer, true);
        assertThat(pending.toPing()).isEmpty(); // all good: nobody to question
        assertThat(table.contains(newcomer.id())).isFalse();
    }

    @Test
    void questionableNodesArePingedAndOneThatTurnsBadGivesWayToTheNewestCandidate() {
        List<NodeInfo> far = fill(0x80, RoutingTable.K);
        table.heardFrom(node(0x90), true); // splits; waits as a candidate
        advanceMinutes(16);
        NodeInfo newest = node(0xA0);
        Pending pending = (Pending) table.heardFrom(newest, true);
        assertThat(pending.toPing()).containsExactlyInAnyOrderElementsOf(far);
        NodeInfo silent = far.getFirst();
        table.failed(silent.id());
        table.failed(silent.id());
        assertThat(table.contains(silent.id())).isFalse();
        assertThat(table.contains(newest.id())).isTrue();
        assertThat(table.status(newest.id())).isEqualTo(Status.GOOD);
    }

    @Test
    void aBadNodeIsReplacedAtOnceByANodeThatAnswers() {
        List<NodeInfo> far = fill(0x80, RoutingTable.K);
        table.heardFrom(node(0x90), true); // splits; the candidate is not used below
        NodeInfo bad = far.get(3);
        // Two failures make it bad; the one candidate replaces it at the second failure.
        table.failed(bad.id());
        table.failed(bad.id());
        assertThat(table.contains(bad.id())).isFalse();
        NodeInfo other = far.get(4);
        table.failed(other.id());
        table.failed(other.id()); // no candidate left: it stays, bad
        assertThat(table.status(other.id())).isEqualTo(Status.BAD);
        NodeInfo fresh = node(0xB0);
        assertThat(table.heardFrom(fresh, true)).isInstanceOf(Added.class);
        assertThat(table.contains(other.id())).isFalse();
        assertThat(table.hasRoomFor(node(0xB1).id())).isFalse();
    }

    @Test
    void staleBucketsAreRefreshedWithATargetInsideEach() {
        fill(0x80, RoutingTable.K);
        fill(0x40, 1); // splits the table into a far and a near bucket
        assertThat(table.bucketCount()).isEqualTo(2);
        assertThat(table.refreshTargets()).isEmpty();
        advanceMinutes(15);
        List<NodeId> targets = table.refreshTargets();
        assertThat(targets).hasSize(2);
        assertThat(OWN.commonPrefixLength(targets.get(0))).isZero();
        assertThat(OWN.commonPrefixLength(targets.get(1))).isGreaterThanOrEqualTo(1);
        assertThat(table.refreshTargets()).as("refreshed once per period").isEmpty();
        advanceMinutes(10);
        table.heardFrom(table.bucket(0).getFirst(), true); // the far bucket changes
        advanceMinutes(5);
        assertThat(table.refreshTargets()).hasSize(1).allMatch(t -> OWN.commonPrefixLength(t) >= 1);
    }

    @Test
    void closestGivesTheNearestNodesFirst() {
        List<NodeInfo> all = new ArrayList<>();
        all.addAll(fill(0x80, 4));
        all.addAll(fill(0x40, 4));
        all.addAll(fill(0x01, 4));
        NodeId target = all.get(5).id();
        List<NodeInfo> closest = table.closest(target, 3);
        assertThat(closest.getFirst()).isEqualTo(all.get(5));
        List<NodeInfo> sorted = new ArrayList<>(all);
        sorted.sort((a, b) -> target.compareDistance(a.id(), b.id()));
        assertThat(closest).containsExactlyElementsOf(sorted.subList(0, 3));
    }
}
