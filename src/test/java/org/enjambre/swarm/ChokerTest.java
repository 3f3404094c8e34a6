package org.enjambre.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChokerTest {
    static List<Choker.Candidate<String>> peers(long... rates) {
        List<Choker.Candidate<String>> out = new ArrayList<>();
        for (int i = 0; i < rates.length; i++) {
            out.add(new Choker.Candidate<>("p" + i, rates[i]));
        }
        return out;
    }

    @Test
    void regularSlotsGoToTheFastestUploadersToUs() {
        var s = Choker.select(peers(10, 500, 20, 400, 300, 200, 0), 4, null, false, new Random(1));
        assertThat(s.regular()).containsExactlyInAnyOrder("p1", "p3", "p4", "p5");
        assertThat(s.optimistic()).isIn("p0", "p2", "p6");
    }

    @Test
    void optimisticUnchokeStaysUntilRotatedThenMovesToAnotherPeer() {
        var kept = Choker.select(peers(9, 9, 9, 9, 1, 2, 3), 4, "p4", false, new Random(2));
        assertThat(kept.optimistic()).isEqualTo("p4");
        Set<String> next = new HashSet<>();
        for (int seed = 0; seed < 20; seed++) {
            next.add(Choker.select(peers(9, 9, 9, 9, 1, 2, 3), 4, "p4", true, new Random(seed)).optimistic());
        }
        assertThat(next).doesNotContain("p4").containsExactlyInAnyOrder("p5", "p6");
    }

    @Test
    void equalRatesAreBrokenAtRandomAndSnubbersNeverGetARegularSlot() {
        Set<String> chosen = new HashSet<>();
        for (int seed = 0; seed < 30; seed++) {
            chosen.addAll(Choker.select(peers(0, 0, 0, 0, 0, 0, -1), 2, null, false, new Random(seed)).regular());
        }
        assertThat(chosen).hasSize(6).doesNotContain("p6");
    }

    @Test
    void fewerInterestedPeersThanSlotsAllGetUnchoked() {
        var s = Choker.select(peers(1, 2), 4, null, true, new Random(3));
        assertThat(s.regular()).containsExactlyInAnyOrder("p0", "p1");
        assertThat(s.optimistic()).isNull();
    }
}
