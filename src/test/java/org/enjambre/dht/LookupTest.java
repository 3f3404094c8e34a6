package org.enjambre.dht;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.enjambre.net.PeerAddress;
import org.junit.jupiter.api.Test;

/** A lookup driven by hand over a made-up network where every node knows every other. */
class LookupTest {
    final List<NodeInfo> network = new ArrayList<>();

    LookupTest() {
        for (int i = 0; i < 200; i++) {
            network.add(new NodeInfo(NodeId.random(), new PeerAddress("127.0.0.1", 20_000 + i)));
        }
    }

    List<NodeInfo> nearest(NodeId target, int count) {
        return network.stream().sorted(Comparator.comparing(NodeInfo::id, target::compareDistance)).limit(count).toList();
    }

    @Test
    void keepsAlphaInFlightAndEndsOnTheTrueClosestSet() {
        NodeId target = NodeId.random();
        Lookup lookup = new Lookup(target, network.subList(0, 8), 3, 8);
        int rounds = 0;
        while (!lookup.done() && rounds++ < 1000) {
            List<NodeInfo> asked = lookup.next();
            assertThat(asked.size()).isLessThanOrEqualTo(3);
            for (NodeInfo n : asked) {
                lookup.answered(n, nearest(target, 8), List.of(), new byte[] {1});
            }
        }
        assertThat(lookup.done()).isTrue();
        assertThat(lookup.closestResponders().stream().map(Lookup.Responder::node).toList())
                .containsExactlyElementsOf(nearest(target, 8));
        assertThat(lookup.queries()).isLessThan(40);
    }

    @Test
    void failedNodesAreSkippedAndTheLookupStillEnds() {
        NodeId target = NodeId.random();
        Lookup lookup = new Lookup(target, network.subList(0, 20), 3, 8);
        for (int guard = 0; guard < 1000 && !lookup.done(); guard++) {
            for (NodeInfo n : lookup.next()) {
                lookup.failed(n);
            }
        }
        assertThat(lookup.done()).isTrue();
        assertThat(lookup.closestResponders()).isEmpty();
        assertThat(lookup.queries()).isEqualTo(20);
    }

    @Test
    void aSilentNodeGivesUpItsSlotAndTheEndDoesNotWaitForItWhileALateAnswerStillCounts() {
        NodeId target = NodeId.random();
        List<NodeInfo> start = nearest(target, 12);
        Lookup lookup = new Lookup(target, start, 3, 8);
        List<NodeInfo> first = lookup.next();
        NodeInfo silent = first.getFirst();
        assertThat(lookup.next()).as("alpha in flight").isEmpty();

        assertThat(lookup.slow(silent)).isTrue();
        assertThat(lookup.slow(silent)).as("once").isFalse();
        List<NodeInfo> asked = new ArrayList<>(first.subList(1, first.size()));
        List<NodeInfo> next = lookup.next();
        assertThat(next).as("its slot goes to the next candidate").hasSize(1);
        asked.addAll(next);

        // Everyone else answers with nothing new: the lookup ends without the silent node.
        for (int guard = 0; guard < 100 && !asked.isEmpty(); guard++) {
            for (NodeInfo n : asked) {
                lookup.answered(n, List.of(), List.of(), new byte[] {1});
            }
            asked = lookup.next();
        }
        assertThat(lookup.done()).isTrue();
        assertThat(lookup.closestResponders()).extracting(Lookup.Responder::node).doesNotContain(silent).hasSize(8);

        // Its answer, late, is still taken (nodes, peers, token), and nothing more is asked once ended.
        lookup.end();
        PeerAddress peer = new PeerAddress("127.0.0.9", 6881);
        lookup.answered(silent, nearest(target, 20), List.of(peer), new byte[] {2});
        assertThat(lookup.peers()).contains(peer);
        assertThat(lookup.closestResponders()).extracting(Lookup.Responder::node).contains(silent);
        assertThat(lookup.next()).isEmpty();
    }

    @Test
    void peersFromValuesAreGathered() {
        NodeId target = NodeId.random();
        Lookup lookup = new Lookup(target, network.subList(0, 1), 3, 8);
        NodeInfo only = lookup.next().getFirst();
        PeerAddress peer = new PeerAddress("127.0.0.9", 6881);
        lookup.answered(only, List.of(), List.of(peer, peer), null);
        assertThat(lookup.done()).isTrue();
        assertThat(lookup.peers()).containsExactly(peer);
    }
}
