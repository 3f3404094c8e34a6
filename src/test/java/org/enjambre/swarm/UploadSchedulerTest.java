package org.enjambre.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.enjambre.wire.Message;
import org.enjambre.wire.WireLimits;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UploadSchedulerTest {
    static final int BLOCK = WireLimits.BLOCK_LENGTH;
    final ManualClock clock = new ManualClock();
    final List<String> journal = new ArrayList<>();
    MemoryPieces torrent;
    TorrentState state;
    PiecePicker picker;
    MemoryPieces.Store store;
    UploadScheduler uploads;

    @BeforeEach
    void setUp() throws Exception {
        seeder(8);
    }

    void seeder(int pieces) throws Exception {
        torrent = new MemoryPieces(pieces, 4 * BLOCK, 6);
        state = torrent.state();
        BitSet all = new BitSet();
        all.set(0, torrent.pieceCount());
        state.resetTo(all); // a seeder
        picker = torrent.picker(state);
        store = torrent.new Store(true);
    }

    RateLimiter limiter;

    UploadScheduler uploads(long rate) {
        limiter = new RateLimiter(rate, null, clock::nanoTime);
        uploads = new UploadScheduler(torrent.info, state, picker, store, MemoryPieces.AT_ONCE, limiter, clock,
                EngineOptions.defaults());
        return uploads;
    }

    /** No upload limit; disk reads complete only when the test says so, as a busy worker pool would. */
    MemoryPieces.HeldWorkers uploadsWithHeldReads() {
        MemoryPieces.HeldWorkers reads = new MemoryPieces.HeldWorkers();
        uploads = new UploadScheduler(torrent.info, state, picker, store, reads, new RateLimiter(0, null, clock::nanoTime),
                clock, EngineOptions.defaults());
        return reads;
    }

    FakeLink unchoked(String name) {
        FakeLink link = torrent.link(name, clock);
        link.journal = journal;
        link.state().amChoking = false;
        uploads.add(link);
        return link;
    }

    void request(FakeLink link, int piece, int block) {
        uploads.onRequest(link, new Message.Request(piece, block * BLOCK, BLOCK));
    }

    static List<Message.Piece> pieces(FakeLink link) {
        return link.sent(Message.Piece.class);
    }

    @Test
    void withoutALimitBlocksGoOutAtOnceWithTheRightData() {
        uploads(0);
        FakeLink a = unchoked("a");
        request(a, 2, 1);
        assertThat(pieces(a)).singleElement().isEqualTo(new Message.Piece(2, BLOCK, torrent.block(2, BLOCK)));
        assertThat(a.state().bytesUploaded).isEqualTo(BLOCK);
        assertThat(state.uploaded()).isEqualTo(BLOCK);
    }

    @Test
    void aSeederCountsAPieceOutWhenOnePeerHasBeenSentAllOfItNotWhenItsFirstBlockLeaves() throws Exception {
        seeder(2);
        uploads(0);
        FakeLink a = unchoked("a");
        FakeLink b = unchoked("b");
        request(a, 0, 0);
        request(b, 1, 0);
        assertThat(state.uploadedWhenEveryPieceWasOut()).as("every piece has begun, none has gone whole").isEqualTo(-1);
        // Halves of piece 1 to two peers are not a copy of it.
        request(a, 1, 2);
        request(a, 1, 3);
        for (int block = 1; block < 4; block++) {
            request(a, 0, block);
        }
        assertThat(state.uploadedWhenEveryPieceWasOut()).isEqualTo(-1);
        request(b, 1, 1);
        request(b, 1, 2);
        request(b, 1, 3);
        assertThat(state.uploadedWhenEveryPieceWasOut()).isEqualTo(10L * BLOCK).isEqualTo(state.uploaded());
        request(a, 1, 0);
        assertThat(state.uploadedWhenEveryPieceWasOut()).as("measured once").isEqualTo(10L * BLOCK);
    }

    @Test
    void aPieceIsReadFromDiskOnceForAllItsBlocks() {
        uploads(0);
        FakeLink a = unchoked("a");
        for (int b = 0; b < 4; b++) {
            request(a, 3, b);
        }
        assertThat(pieces(a)).hasSize(4);
        assertThat(store.reads.get()).isEqualTo(1);
    }

    @Test
    void blocksWaitingForAPieceBeingReadDoNotStopTheNextPiecesReads() {
        // Reads complete only when the test says so, as a busy worker pool would.
        MemoryPieces.HeldWorkers reads = uploadsWithHeldReads();
        FakeLink a = unchoked("a");
        for (int piece = 0; piece < 3; piece++) {
            for (int b = 0; b < 4; b++) {
                request(a, piece, b);
            }
        }
        assertThat(reads.pending()).as("every piece asked for is being read, not one piece at a time").isEqualTo(3);
        reads.runAll();
        assertThat(pieces(a)).hasSize(12);
        assertThat(store.reads.get()).isEqualTo(3);
    }

    @Test
    void aPeerHasAtMostMaxReadsPerPeerPieceReadsInFlight() throws Exception {
        seeder(16);
        MemoryPieces.HeldWorkers reads = uploadsWithHeldReads();
        FakeLink a = unchoked("a");
        for (int piece = 0; piece < 16; piece++) {
            request(a, piece, 0);
        }
        assertThat(reads.pending()).isEqualTo(EngineOptions.DEFAULT_MAX_READS_PER_PEER);
    }

    @Test
    void underALimitPeersTakeTurnsOneBlockEach() {
        uploads(BLOCK); // one block a second
        limiter.acquire(BLOCK); // the bucket is empty: every request below waits for the pacer
        FakeLink a = unchoked("a");
        FakeLink b = unchoked("b");
        FakeLink c = unchoked("c");
        for (int blk = 0; blk < 4; blk++) { // each asks for its own piece: equal scarcity
            request(a, 0, blk);
            request(b, 1, blk);
            request(c, 2, blk);
        }
        clock.advanceMillis(6_500);
        assertThat(journal).hasSizeBetween(6, 8);
        assertThat(journal.subList(0, 6)).containsExactly("a Piece", "b Piece", "c Piece", "a Piece", "b Piece",
                "c Piece");
        clock.advanceMillis(10_000);
        assertThat(journal).as("all twelve blocks, in about twelve seconds").hasSize(12);
        assertThat(clock.pendingTimers()).as("the pacer stops when nobody waits").isZero();
    }

    @Test
    void underALimitTheScarcestPieceGoesFirst() {
        uploads(10 * 1024 * 1024);
        FakeLink first = unchoked("first");
        request(first, 0, 0); // piece 0 is out once now
        FakeLink a = unchoked("a");
        a.writeQueueFull = true;
        request(a, 0, 1);
        request(a, 5, 0);
        assertThat(pieces(a)).isEmpty();
        a.drained();
        clock.advanceMillis(100);
        assertThat(pieces(a)).extracting(Message.Piece::index).as("the piece nobody has yet first").containsExactly(5, 0);
    }

    @Test
    void aFullSocketHoldsTheQueueUntilItDrains() {
        uploads(0);
        FakeLink a = unchoked("a");
        a.writeQueueFull = true;
        for (int b = 0; b < 3; b++) {
            request(a, 1, b);
        }
        assertThat(pieces(a)).isEmpty();
        assertThat(uploads.queued(a)).isEqualTo(3);
        a.drained();
        assertThat(pieces(a)).hasSize(3);
        assertThat(uploads.queued(a)).isZero();
    }

    @Test
    void requestsWhileChokedAreDroppedAndAChokeDropsTheQueue() {
        uploads(0);
        FakeLink a = unchoked("a");
        a.writeQueueFull = true;
        request(a, 1, 0);
        request(a, 1, 1);
        a.state().amChoking = true;
        uploads.choked(a);
        request(a, 1, 2);
        a.drained();
        assertThat(pieces(a)).isEmpty();
        assertThat(uploads.queued(a)).isZero();
    }

    @Test
    void aCancelRemovesTheQueuedRequest() {
        uploads(0);
        FakeLink a = unchoked("a");
        a.writeQueueFull = true;
        request(a, 1, 0);
        request(a, 1, 1);
        uploads.onCancel(a, new Message.Cancel(1, 0, BLOCK));
        a.drained();
        assertThat(pieces(a)).extracting(Message.Piece::begin).containsExactly(BLOCK);
    }

    @Test
    void aPeerQueueingMoreThanTheLimitIsDisconnected() {
        uploads(0);
        FakeLink a = unchoked("a");
        a.writeQueueFull = true;
        for (int i = 0; i <= EngineOptions.DEFAULT_MAX_UPLOAD_QUEUE && !a.closed; i++) {
            request(a, i % 8, 0);
        }
        assertThat(a.closed).isTrue();
        assertThat(a.closeReason).contains("requests queued");
    }

    /** A piece message on the wire: its 13-byte header and the block. */
    static final long FRAME = 13 + BLOCK;

    @Test
    void aDeepRequestQueueLeavesInOneWritePerDiskReadNotOnePerBlock() throws Exception {
        seeder(500); // 2,000 blocks: what libtorrent keeps queued at a seeder
        MemoryPieces.HeldWorkers reads = uploadsWithHeldReads();
        FakeLink a = unchoked("a");
        for (int piece = 0; piece < 500; piece++) {
            for (int b = 0; b < 4; b++) {
                request(a, piece, b);
            }
        }
        reads.runAll();
        assertThat(pieces(a)).hasSize(2000);
        assertThat(a.unflushedBlocks).as("nothing is left queued without a flush").isZero();
        assertThat(a.flushedBatches).as("a piece's blocks leave together, one write per read")
                .hasSizeLessThanOrEqualTo(store.reads.get()).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(4));
    }

    @Test
    void aPeerThatStopsReadingIsNotWrittenToWithoutBound() {
        uploads(0);
        FakeLink a = unchoked("a");
        a.writeQueueLimit = 16 * BLOCK;
        for (int i = 0; i < 1920; i++) { // the torrent's 32 blocks, asked for again and again
            request(a, (i / 4) % 8, i % 4);
        }
        assertThat(a.queuedBytes).as("written while the peer reads nothing").isLessThanOrEqualTo(a.writeQueueLimit + FRAME);
        int sent = pieces(a).size();
        assertThat(uploads.queued(a)).isEqualTo(1920 - sent);
        int batches = a.flushedBatches.size();

        a.peerReads(a.queuedBytes);

        assertThat(a.flushedBatches.subList(batches, a.flushedBatches.size()))
                .as("what the drain finds ready (the pieces are cached) leaves in one write, up to the limit")
                .singleElement().satisfies(n -> assertThat(n).isGreaterThanOrEqualTo(15));
        assertThat(a.queuedBytes).isLessThanOrEqualTo(a.writeQueueLimit + FRAME);
        assertThat(a.unflushedBlocks).isZero();
        assertThat(uploads.queued(a)).isEqualTo(1920 - pieces(a).size()).isGreaterThan(1800);
    }

    @Test
    void underALimitEachPacerWakeUpFlushesOneBatchThatStaysWithinTheRate() throws Exception {
        seeder(64); // 256 blocks, 4 MiB
        long rate = 16L * 1024 * 1024;
        uploads(rate);
        FakeLink a = unchoked("a");
        for (int piece = 0; piece < 64; piece++) {
            for (int b = 0; b < 4; b++) {
                request(a, piece, b);
            }
        }
        clock.advanceMillis(100);
        long sent = (long) pieces(a).size() * BLOCK;
        long allowed = 16 * 1024 + rate / 10; // the bucket's first tokens and 100 ms of the rate
        assertThat(sent).as("bytes sent in 100 ms at 16 MiB/s").isLessThanOrEqualTo(allowed + BLOCK)
                .isGreaterThanOrEqualTo(allowed - 2L * BLOCK);
        assertThat(a.unflushedBlocks).as("every block paid for is flushed at its wake-up").isZero();
        assertThat(a.flushedBatches).as("several blocks per wake-up, one write each")
                .hasSizeLessThanOrEqualTo(pieces(a).size() / 2);
    }
}
