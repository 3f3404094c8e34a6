package org.enjambre.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.enjambre.wire.Message;
import org.enjambre.wire.WireLimits;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RequestSchedulerTest {
    static final int BLOCK = WireLimits.BLOCK_LENGTH;
    final ManualClock clock = new ManualClock();
    MemoryPieces torrent;
    TorrentState state;
    PiecePicker picker;
    RequestScheduler scheduler;

    @BeforeEach
    void setUp() throws Exception {
        torrent = new MemoryPieces(64, 4 * BLOCK, 1); // 256 blocks
        scheduler = scheduler(EngineOptions.defaults());
    }

    RequestScheduler scheduler(EngineOptions options) {
        state = torrent.state();
        picker = torrent.picker(state);
        RequestScheduler s = new RequestScheduler("test", picker, state, options, clock);
        s.start();
        return s;
    }

    FakeLink peer(String name) {
        FakeLink link = torrent.link(name, clock);
        scheduler.add(link);
        return link;
    }

    /** The peer answers every request it holds (the blocks it was not sent a cancel for). */
    int answerAll(FakeLink link) {
        List<Message.Request> asked = link.sent(Message.Request.class);
        List<Message.Cancel> cancelled = link.sent(Message.Cancel.class);
        link.clearSent();
        int accepted = 0;
        for (Message.Request r : asked) {
            if (cancelled.contains(new Message.Cancel(r.index(), r.begin(), r.length()))) {
                continue;
            }
            if (scheduler.accept(link, new Message.Piece(r.index(), r.begin(), torrent.block(r.index(), r.begin())))) {
                accepted++;
                scheduler.fill(link);
            }
        }
        return accepted;
    }

    @Test
    void pipelineStartsAtTheMinimumDepthAndDoublesEachRoundTripInSlowStart() throws Exception {
        torrent = new MemoryPieces(256, 4 * BLOCK, 1); // 1024 blocks
        scheduler = scheduler(EngineOptions.defaults());
        FakeLink fast = peer("fast").seed().unchokingUs();
        scheduler.fill(fast);
        assertThat(fast.sent(Message.Request.class)).hasSize(RequestScheduler.MIN_REQUEST_DEPTH);

        // Each round trip answers what was in flight: every block adds one to the depth.
        assertThat(answerAll(fast)).isEqualTo(16);
        assertThat(scheduler.outstanding(fast)).isEqualTo(32);
        assertThat(answerAll(fast)).isEqualTo(32);
        assertThat(scheduler.outstanding(fast)).isEqualTo(64);
        assertThat(answerAll(fast)).isEqualTo(64);
        assertThat(scheduler.depth(fast)).isEqualTo(128);
    }

    @Test
    void slowStartEndsWhenTheRateStopsGrowingAndThePipelineFollowsTheMeasuredRate() {
        FakeLink fast = peer("fast").seed().unchokingUs();
        scheduler.fill(fast);
        scheduler.sampleRates(clock.nanoTime());
        int answered = answerAll(fast) + answerAll(fast); // 16 + 32 blocks
        clock.advanceMillis(1000);
        scheduler.sampleRates(clock.nanoTime()); // 48 blocks a second: the first rate
        answered += answerAll(fast); // 64 more
        assertThat(answered).isEqualTo(112);
        clock.advanceMillis(1000);
        scheduler.sampleRates(clock.nanoTime()); // 64 a second, more than 10 % up: still slow start
        assertThat(scheduler.depth(fast)).isEqualTo(128);

        // 56 blocks the next second, no more than the smoothed rate: slow start is over, the
        // depth is one second of the measured rate (its smoothed 56 blocks a second).
        for (int i = 0; i < 56; i++) {
            Message.Request r = fast.sent(Message.Request.class).get(i);
            scheduler.accept(fast, new Message.Piece(r.index(), r.begin(), torrent.block(r.index(), r.begin())));
        }
        clock.advanceMillis(1000);
        scheduler.sampleRates(clock.nanoTime());
        assertThat(scheduler.depth(fast)).isEqualTo(56);
        fast.clearSent();
        scheduler.fill(fast);
        assertThat(fast.sent(Message.Request.class)).as("72 still in flight, above the depth").isEmpty();

        // A slow peer (one block in a second) keeps the minimum, never less.
        FakeLink slow = peer("slow").seed().unchokingUs();
        scheduler.sampleRates(clock.nanoTime());
        scheduler.fill(slow);
        Message.Request first = slow.sent(Message.Request.class).getFirst();
        scheduler.accept(slow, new Message.Piece(first.index(), first.begin(), torrent.block(first.index(), first.begin())));
        clock.advanceMillis(1000);
        scheduler.sampleRates(clock.nanoTime());
        clock.advanceMillis(1000);
        scheduler.sampleRates(clock.nanoTime());
        assertThat(scheduler.depth(slow)).isEqualTo(RequestScheduler.MIN_REQUEST_DEPTH);
    }

    @Test
    void blocksOfOneReadAreAnsweredWithOneRequestBatchWhenTheReadIsDone() {
        FakeLink fast = peer("fast").seed().unchokingUs();
        scheduler.fill(fast);
        List<Message.Request> asked = fast.sent(Message.Request.class);
        fast.clearSent();
        int batchesBefore = fast.requestBatches;
        for (Message.Request r : asked.subList(0, 8)) {
            assertThat(scheduler.accept(fast, new Message.Piece(r.index(), r.begin(), torrent.block(r.index(), r.begin()))))
                    .isTrue();
            scheduler.fillAfterRead(fast);
        }
        assertThat(fast.sent(Message.Request.class)).as("nothing asked while the read is handled").isEmpty();

        scheduler.readDone(fast);
        // 8 answered, and slow start grew the depth by 8: 16 asked, in one write.
        assertThat(fast.sent(Message.Request.class)).hasSize(16);
        assertThat(fast.requestBatches - batchesBefore).isEqualTo(1);
        assertThat(scheduler.outstanding(fast)).isEqualTo(24);

        scheduler.readDone(fast);
        assertThat(fast.requestBatches - batchesBefore).as("a read without blocks asks nothing more").isEqualTo(1);
    }

    @Test
    void depthNeverExceedsTheConfiguredQueueDepth() {
        scheduler = scheduler(EngineOptions.defaults().withRequestQueueDepth(20));
        FakeLink fast = peer("fast").seed().unchokingUs();
        scheduler.fill(fast);
        scheduler.sampleRates(clock.nanoTime());
        int answered = 0;
        for (int i = 0; i < 6; i++) {
            answered += answerAll(fast);
        }
        assertThat(answered).as("about 96 blocks a second").isGreaterThan(40);
        clock.advanceMillis(1000);
        scheduler.sampleRates(clock.nanoTime());
        assertThat(scheduler.depth(fast)).isEqualTo(20);
    }

    @Test
    void aPeerThatQueuesFewRequestsIsNeverAskedForMore() throws Exception {
        torrent = new MemoryPieces(256, 4 * BLOCK, 1); // 1024 blocks
        scheduler = scheduler(EngineOptions.defaults());
        FakeLink small = peer("reqq 24").seed().unchokingUs();
        scheduler.limitDepth(small, 24);
        scheduler.fill(small);
        int answered = 0;
        for (int i = 0; i < 6; i++) {
            answered += answerAll(small);
            assertThat(scheduler.outstanding(small)).as("round %d", i).isLessThanOrEqualTo(24);
        }
        assertThat(answered).as("slow start would have asked 16, 32, 64, 128...").isEqualTo(16 + 5 * 24);
        assertThat(scheduler.depth(small)).isEqualTo(24);

        FakeLink tiny = peer("reqq 0").seed().unchokingUs();
        scheduler.limitDepth(tiny, 0);
        scheduler.fill(tiny);
        assertThat(tiny.sent(Message.Request.class)).as("a peer saying 0 is still asked one at a time").hasSize(1);
    }

    @Test
    void endgameAsksASecondPeerForTheLastBlocksAndCancelsTheCopyWhenOneArrives() throws Exception {
        torrent = new MemoryPieces(1, 4 * BLOCK, 2);
        scheduler = scheduler(EngineOptions.defaults());
        FakeLink first = peer("first").seed().unchokingUs();
        scheduler.fill(first);
        assertThat(first.sent(Message.Request.class)).hasSize(4);
        assertThat(picker.inEndgame()).isTrue();

        FakeLink second = peer("second").seed().unchokingUs();
        scheduler.fill(second);
        assertThat(second.sent(Message.Request.class)).as("every missing block asked once more")
                .containsExactlyInAnyOrderElementsOf(first.sent(Message.Request.class));
        assertThat(state.endgameRequests()).isEqualTo(4);

        Message.Request r = first.sent(Message.Request.class).getFirst();
        assertThat(scheduler.accept(first, new Message.Piece(r.index(), r.begin(), torrent.block(r.index(), r.begin()))))
                .isTrue();
        assertThat(second.sent(Message.Cancel.class)).containsExactly(new Message.Cancel(r.index(), r.begin(), r.length()));
        assertThat(state.cancelsSent()).isEqualTo(1);
        assertThat(scheduler.outstanding(second)).isEqualTo(3);
        assertThat(state.requestsOutstanding()).isEqualTo(6);
    }

    @Test
    void aLeecherThatAnnouncesAPieceTakesItsBlocksAwayFromTheSeed() {
        FakeLink seed = peer("seed").seed().unchokingUs();
        scheduler.fill(seed);
        int piece = seed.sent(Message.Request.class).getFirst().index();
        List<Message.Request> ofPiece = seed.sent(Message.Request.class).stream().filter(r -> r.index() == piece).toList();
        assertThat(ofPiece).hasSize(4);

        FakeLink leecher = peer("leecher").unchokingUs();
        leecher.state().pieces.set(piece); // its have arrived
        scheduler.onHave(leecher, piece);

        assertThat(seed.sent(Message.Cancel.class)).containsExactlyInAnyOrderElementsOf(
                ofPiece.stream().map(r -> new Message.Cancel(r.index(), r.begin(), r.length())).toList());
        assertThat(leecher.sent(Message.Request.class)).containsExactlyInAnyOrderElementsOf(ofPiece);
        assertThat(state.rerouted()).isEqualTo(4);
        assertThat(scheduler.outstanding(seed)).isEqualTo(RequestScheduler.MIN_REQUEST_DEPTH - 4);
    }

    @Test
    void aLeecherThatChokesUsTakesNothingFromTheSeed() {
        FakeLink seed = peer("seed").seed().unchokingUs();
        scheduler.fill(seed);
        int piece = seed.sent(Message.Request.class).getFirst().index();
        FakeLink leecher = peer("leecher");
        leecher.state().amInterested = true; // but it chokes us
        leecher.state().pieces.set(piece);
        scheduler.onHave(leecher, piece);
        assertThat(seed.sent(Message.Cancel.class)).isEmpty();
        assertThat(leecher.sent).isEmpty();
    }

    @Test
    void aSnubbingPeerLosesItsRequestsToOthersAndIsAskedOneAtATimeUntilItSends() {
        scheduler = scheduler(EngineOptions.defaults().withChoking(4, Duration.ofSeconds(10), Duration.ofSeconds(30),
                Duration.ofSeconds(5)));
        FakeLink silent = peer("silent").seed().unchokingUs();
        scheduler.fill(silent);
        List<Message.Request> held = silent.sent(Message.Request.class);
        FakeLink other = peer("other").seed(); // chokes us for now

        clock.advanceMillis(4000);
        scheduler.checkSnubs(clock.nanoTime());
        assertThat(scheduler.snubbed(silent)).isFalse();

        clock.advanceMillis(1500);
        silent.clearSent();
        other.unchokingUs();
        scheduler.checkSnubs(clock.nanoTime());
        assertThat(scheduler.snubbed(silent)).isTrue();
        assertThat(state.snubs()).isEqualTo(1);
        assertThat(scheduler.outstanding(silent)).as("one request, to prove itself").isEqualTo(1);
        assertThat(silent.sent(Message.Request.class)).hasSize(1);
        assertThat(other.sent(Message.Request.class)).as("the snubber's blocks went to the other peer")
                .containsAll(held.stream().filter(r -> !silent.sent(Message.Request.class).contains(r)).toList());

        answerAll(silent);
        assertThat(scheduler.snubbed(silent)).isFalse();
        assertThat(scheduler.outstanding(silent)).as("slow start again: the minimum, one more for the block it sent")
                .isEqualTo(RequestScheduler.MIN_REQUEST_DEPTH + 1);
    }

    @Test
    void requestsLeftUnansweredForTheTimeoutAreAskedAgain() {
        scheduler = scheduler(EngineOptions.defaults().withRequestTimeout(Duration.ofSeconds(3)));
        FakeLink peer = peer("peer").seed().unchokingUs();
        scheduler.fill(peer);
        List<Message.Request> first = peer.sent(Message.Request.class);
        peer.clearSent();

        clock.advanceMillis(2900);
        scheduler.checkTimeouts(clock.nanoTime());
        assertThat(peer.sent).isEmpty();

        clock.advanceMillis(200);
        scheduler.checkTimeouts(clock.nanoTime());
        assertThat(peer.sent(Message.Request.class)).as("released, then asked again")
                .containsExactlyInAnyOrderElementsOf(first);
        assertThat(state.requestsOutstanding()).isEqualTo(first.size());
        peer.clearSent();
        scheduler.checkTimeouts(clock.nanoTime());
        assertThat(peer.sent).as("its clock restarted").isEmpty();
    }

    @Test
    void aChokeDropsOurRequestsAndAnotherPeerTakesThem() {
        FakeLink choking = peer("choking").seed().unchokingUs();
        FakeLink other = peer("other").seed();
        other.state().amInterested = true;
        scheduler.fill(choking);
        List<Message.Request> held = choking.sent(Message.Request.class);
        choking.state().peerChoking = true;
        scheduler.onChoke(choking);
        assertThat(scheduler.outstanding(choking)).isZero();
        other.state().peerChoking = false;
        scheduler.onUnchoke(other);
        assertThat(other.sent(Message.Request.class)).containsAll(held);
    }

    @Test
    void aBlockNotAskedOfThatPeerIsWastedNotStored() {
        FakeLink peer = peer("peer").seed().unchokingUs();
        assertThat(scheduler.accept(peer, new Message.Piece(3, 0, torrent.block(3, 0)))).isFalse();
        assertThat(state.wasted()).isEqualTo(BLOCK);
        assertThat(state.downloaded()).isZero();
    }
}
