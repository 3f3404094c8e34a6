package org.enjambre.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.enjambre.wire.Message;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ChokeControllerTest {
    final ManualClock clock = new ManualClock();
    final Set<PeerLink> snubbing = new HashSet<>();
    final List<String> unchoked = new ArrayList<>();
    final List<String> choked = new ArrayList<>();
    MemoryPieces torrent;
    TorrentState state;
    ChokeController choker;

    @BeforeEach
    void setUp() throws Exception {
        torrent = new MemoryPieces(8, 16 * 1024, 4);
        state = torrent.state();
    }

    ChokeController choker(int slots, long uploadRate) {
        RateLimiter limiter = new RateLimiter(uploadRate, null, clock::nanoTime);
        // The optimistic unchoke does not rotate within these tests unless they say so.
        EngineOptions.Choking choking = new EngineOptions.Choking(slots, Duration.ofSeconds(10), Duration.ofSeconds(1000));
        choker = new ChokeController(choking, state, limiter, clock, new Random(5), snubbing::contains,
                l -> unchoked.add(l.address()), l -> choked.add(l.address()));
        choker.start(clock.nanoTime());
        return choker;
    }

    FakeLink interested(String name) {
        FakeLink link = torrent.link(name, clock);
        choker.add(link);
        link.state().peerInterested = true;
        choker.interestChanged(link);
        return link;
    }

    static boolean unchoking(FakeLink link) {
        return !link.state().amChoking();
    }

    boolean regular(FakeLink link) {
        return unchoking(link) && !choker.optimistic(link);
    }

    void round() {
        clock.advanceMillis(10_000);
        choker.tick(clock.nanoTime());
    }

    @Test
    void aPeerThatBecomesInterestedBetweenRoundsGetsAFreeSlotAtOnce() {
        choker(2, 0);
        FakeLink a = interested("a");
        assertThat(regular(a)).isTrue();
        assertThat(a.sent(Message.Unchoke.class)).hasSize(1);
        assertThat(unchoked).containsExactly("a");
        FakeLink b = interested("b");
        assertThat(regular(b)).isTrue();
        FakeLink c = interested("c");
        assertThat(unchoking(c) && choker.optimistic(c)).as("no regular slot left: the optimistic one").isTrue();
        FakeLink d = interested("d");
        assertThat(unchoking(d)).as("no slot at all until the next round").isFalse();
    }

    @Test
    void aPeerThatLosesInterestGivesItsSlotToTheChokedPeerWithTheBestRate() {
        choker(1, 0);
        FakeLink a = interested("a");
        FakeLink b = interested("b"); // optimistic
        FakeLink slow = interested("slow");
        FakeLink fast = interested("fast");
        assertThat(unchoking(slow) || unchoking(fast)).isFalse();
        fast.state().bytesDownloaded += 50_000;
        slow.state().bytesDownloaded += 1_000;

        a.state().peerInterested = false;
        choker.interestChanged(a);
        assertThat(unchoking(a)).isFalse();
        assertThat(a.sent(Message.Choke.class)).hasSize(1);
        assertThat(choked).containsExactly("a");
        assertThat(regular(fast)).as("the slot goes now, not at the next round").isTrue();
        assertThat(unchoking(slow)).isFalse();
        assertThat(choker.optimistic(b)).isTrue();
    }

    @Test
    void aPeerThatLeavesWithASlotHasItReassignedAtOnce() {
        choker(1, 0);
        FakeLink a = interested("a");
        interested("b");
        FakeLink c = interested("c");
        c.state().bytesDownloaded += 10_000;
        choker.remove(a);
        assertThat(regular(c)).isTrue();
    }

    @Test
    void regularSlotsGoToThePeersThatSentUsTheMostAndASnubberEarnsNone() {
        choker(2, 0);
        FakeLink a = interested("a");
        FakeLink b = interested("b");
        FakeLink c = interested("c");
        FakeLink d = interested("d");
        c.state().bytesDownloaded += 90_000;
        d.state().bytesDownloaded += 80_000;
        a.state().bytesDownloaded += 100_000;
        snubbing.add(a);
        round();
        assertThat(regular(c) && regular(d)).isTrue();
        assertThat(regular(a)).as("a snubber earns no regular slot while we leech").isFalse();
        assertThat(regular(b)).isFalse();
    }

    @Test
    void anIdleLimitedUploadOpensAnExtraSlotAndAFullRoundGivesItBack() {
        choker(1, 100_000);
        FakeLink a = interested("a");
        FakeLink b = interested("b"); // optimistic
        FakeLink c = interested("c");
        assertThat(unchoking(c)).isFalse();
        assertThat(choker.uploadSlots()).isEqualTo(1);

        clock.advanceMillis(1000);
        choker.useIdleUpload(clock.nanoTime()); // nothing went out in a second under a 100 kB/s limit
        assertThat(choker.uploadSlots()).isEqualTo(2);
        assertThat(regular(c)).isTrue();

        clock.advanceMillis(1000);
        choker.useIdleUpload(clock.nanoTime());
        assertThat(choker.uploadSlots()).as("at most as many extra slots as configured ones").isEqualTo(2);

        state.addUploaded(96_000 * 12);
        round(); // twelve seconds since the last round at 96 % of the limit: the upload is full
        assertThat(choker.uploadSlots()).isEqualTo(1);
        assertThat(unchoking(a) && unchoking(b)).isTrue();
    }

    @Test
    void aBusyLimitedUploadOpensNoExtraSlot() {
        choker(1, 100_000);
        interested("a");
        interested("b");
        FakeLink c = interested("c");
        clock.advanceMillis(1000);
        state.addUploaded(90_000);
        choker.useIdleUpload(clock.nanoTime());
        assertThat(choker.uploadSlots()).isEqualTo(1);
        assertThat(unchoking(c)).isFalse();
    }

    @Test
    void aSeederRotatesAPeerOutOfItsRegularSlotAfterThreeRounds() {
        BitSet all = new BitSet();
        all.set(0, torrent.pieceCount());
        state.resetTo(all);
        choker(1, 0);
        FakeLink fast = interested("fast");
        FakeLink medium = interested("medium");
        FakeLink idle = interested("idle");
        for (int r = 1; r <= ChokeController.SEED_SLOT_ROUNDS; r++) {
            fast.state().bytesUploaded += 100_000;
            medium.state().bytesUploaded += 50_000;
            round();
            assertThat(regular(fast)).as("round " + r).isTrue();
            assertThat(regular(medium)).isFalse();
        }
        fast.state().bytesUploaded += 100_000;
        medium.state().bytesUploaded += 50_000;
        round();
        assertThat(regular(fast)).as("it sits one round out").isFalse();
        assertThat(regular(medium)).isTrue();
        assertThat(regular(idle)).isFalse();

        fast.state().bytesUploaded += 100_000;
        round();
        assertThat(regular(fast)).as("and then it is back").isTrue();
    }
}
