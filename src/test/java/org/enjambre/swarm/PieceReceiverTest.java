package org.enjambre.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.enjambre.swarm.PieceReceiver.PieceEvent;
import org.enjambre.wire.Message;
import org.enjambre.wire.WireLimits;
import org.junit.jupiter.api.Test;

class PieceReceiverTest {
    static final int BLOCK = WireLimits.BLOCK_LENGTH;
    final List<PieceEvent> events = new ArrayList<>();
    MemoryPieces torrent;
    TorrentState state;
    PiecePicker picker;
    MemoryPieces.Store store;

    PieceReceiver receiver(Workers workers, int largestBufferedPiece) throws Exception {
        torrent = new MemoryPieces(4, 4 * BLOCK, 3);
        state = torrent.state();
        picker = torrent.picker(state);
        store = torrent.new Store(false);
        PieceReceiver r = new PieceReceiver(torrent.info, picker, state, store, workers,
                new PieceBuffers(48L * 1024 * 1024, largestBufferedPiece));
        r.listen(events::add);
        return r;
    }

    /** Asks the picker for every block of piece 0, as the scheduler would before blocks arrive. */
    void requestPieceZero() {
        BitSet onlyZero = new BitSet();
        onlyZero.set(0);
        for (int b = 0; b < torrent.blocksPerPiece(); b++) {
            assertThat(PiecePicker.pieceOf(picker.next(onlyZero))).isZero();
        }
    }

    static PeerStats sender(String name) {
        return new PeerStats(name, name);
    }

    List<PieceEvent> settled() {
        return events.stream().filter(e -> !(e instanceof PieceEvent.BlockReceived)).toList();
    }

    @Test
    void aSmallPieceIsHashedInMemoryAndWrittenOnceVerified() throws Exception {
        PieceReceiver receiver = receiver(MemoryPieces.AT_ONCE, 4 * 1024 * 1024);
        requestPieceZero();
        PeerStats peer = sender("a");
        for (int b = 0; b < 4; b++) {
            Future<Void> stored = receiver.receive(peer, new Message.Piece(0, b * BLOCK, torrent.block(0, b * BLOCK)));
            assertThat(stored.succeeded()).as("a buffered block is safe at once").isTrue();
            if (b < 3) {
                assertThat(store.writes.get()).isZero();
            }
        }
        assertThat(store.writes.get()).as("one write, of the verified piece").isEqualTo(1);
        assertThat(store.verifyPiece(0)).isTrue();
        assertThat(events.stream().filter(e -> e instanceof PieceEvent.BlockReceived).count()).isEqualTo(4);
        assertThat(settled()).singleElement().isInstanceOfSatisfying(PieceEvent.Verified.class, v -> {
            assertThat(v.piece()).isZero();
            assertThat(v.blockDigests()).as("nobody asked to judge this piece").isNull();
        });
    }

    @Test
    void aLargePieceGoesToDiskBlockByBlockAndIsVerifiedThereOnceItsWritesComplete() throws Exception {
        MemoryPieces.HeldWorkers workers = new MemoryPieces.HeldWorkers();
        PieceReceiver receiver = receiver(workers, 2 * BLOCK); // 64 KiB pieces are too large to buffer
        requestPieceZero();
        List<Future<Void>> writes = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
            writes.add(receiver.receive(sender("a"), new Message.Piece(0, b * BLOCK, torrent.block(0, b * BLOCK))));
        }
        assertThat(writes).allMatch(w -> !w.isComplete());
        assertThat(settled()).isEmpty();
        workers.runAll(); // the writes, then the read-back verification they start
        assertThat(writes).allMatch(Future::succeeded);
        assertThat(store.writes.get()).isEqualTo(4);
        assertThat(settled()).singleElement().isEqualTo(new PieceEvent.Verified(0, null));
    }

    @Test
    void blocksKeepTheirBytesWhenTheReadsTheyCameInAreReleasedAndReusedAtOnce() throws Exception {
        // The connection releases a piece's read right after receive(): both a buffered piece and
        // one written block by block must have copied what they keep by then.
        for (int largest : new int[] {4 * 1024 * 1024, 2 * BLOCK}) {
            events.clear();
            MemoryPieces.HeldWorkers workers = new MemoryPieces.HeldWorkers();
            PieceReceiver receiver = receiver(workers, largest);
            requestPieceZero();
            for (int b = 0; b < 4; b++) {
                io.netty.buffer.ByteBuf read = io.netty.buffer.Unpooled.buffer(BLOCK);
                read.writeBytes(torrent.block(0, b * BLOCK));
                receiver.receive(sender("a"), new Message.Piece(0, b * BLOCK, read));
                read.setZero(0, BLOCK); // the pool hands the memory to the next read
                read.release();
            }
            workers.runAll();
            assertThat(settled()).as("pieces up to %d bytes buffered", largest)
                    .singleElement().isInstanceOf(PieceEvent.Verified.class);
            assertThat(store.verifyPiece(0)).isTrue();
        }
    }

    @Test
    void aCorruptPieceFailsWithItsBlockDigestsIsNotWrittenAndIsFetchedAgain() throws Exception {
        PieceReceiver receiver = receiver(MemoryPieces.AT_ONCE, 4 * 1024 * 1024);
        requestPieceZero();
        for (int b = 0; b < 4; b++) {
            byte[] data = torrent.block(0, b * BLOCK);
            if (b == 2) {
                data[100] ^= 1;
            }
            receiver.receive(sender("a"), new Message.Piece(0, b * BLOCK, data));
        }
        assertThat(store.writes.get()).isZero();
        assertThat(state.hashFailures()).isEqualTo(1);
        assertThat(settled()).singleElement().isInstanceOfSatisfying(PieceEvent.Failed.class, f -> {
            assertThat(f.piece()).isZero();
            assertThat(f.blockDigests()).hasNumberOfRows(4);
        });
        BitSet onlyZero = new BitSet();
        onlyZero.set(0);
        assertThat(PiecePicker.pieceOf(picker.next(onlyZero))).as("its blocks are free again").isZero();
    }

    @Test
    void aFailedDiskWriteIsReportedAsAStorageFailure() throws Exception {
        torrent = new MemoryPieces(4, 4 * BLOCK, 3);
        state = torrent.state();
        picker = torrent.picker(state);
        PieceStore broken = new MemoryPieces(4, 4 * BLOCK, 3).new Store(false) {
            @Override
            public void writeBlock(int piece, int begin, ByteBuffer data) {
                throw new IllegalStateException("disk full");
            }
        };
        PieceReceiver receiver = new PieceReceiver(torrent.info, picker, state, broken, MemoryPieces.AT_ONCE,
                new PieceBuffers(0, 0));
        receiver.listen(events::add);
        requestPieceZero();
        Future<Void> write = receiver.receive(sender("a"), new Message.Piece(0, 0, torrent.block(0, 0)));
        assertThat(write.failed()).isTrue();
        assertThat(settled()).singleElement().isInstanceOfSatisfying(PieceEvent.StoreFailed.class,
                f -> assertThat(f.cause()).hasMessage("disk full"));
    }

    @Test
    void withSmartBanListeningTheSenderOfTheBadBlockOfASharedPieceIsBannedOnceThePieceVerifies() throws Exception {
        List<PeerStats> banned = new ArrayList<>();
        PieceReceiver receiver = receiver(MemoryPieces.AT_ONCE, 4 * 1024 * 1024);
        receiver.listen(new SmartBan((peer, failures) -> banned.add(peer)));
        PeerStats honest = sender("honest");
        PeerStats liar = sender("liar");
        requestPieceZero();
        for (int b = 0; b < 4; b++) {
            byte[] data = torrent.block(0, b * BLOCK);
            if (b == 3) {
                data[0] ^= 1;
            }
            receiver.receive(b < 2 ? honest : liar, new Message.Piece(0, b * BLOCK, data));
        }
        assertThat(banned).as("two senders: not yet known who lied").isEmpty();
        requestPieceZero();
        for (int b = 0; b < 4; b++) {
            receiver.receive(honest, new Message.Piece(0, b * BLOCK, torrent.block(0, b * BLOCK)));
        }
        assertThat(state.hashFailures()).isEqualTo(1);
        assertThat(events.getLast()).isInstanceOfSatisfying(PieceEvent.Verified.class,
                v -> assertThat(v.blockDigests()).as("asked for by smart ban").isNotNull());
        assertThat(banned).containsExactly(liar);
        assertThat(liar.banned()).isTrue();
        assertThat(honest.banned()).isFalse();
    }

    @Test
    void lateResultsAfterStopAreDropped() throws Exception {
        MemoryPieces.HeldWorkers workers = new MemoryPieces.HeldWorkers();
        PieceReceiver receiver = receiver(workers, 4 * 1024 * 1024);
        requestPieceZero();
        for (int b = 0; b < 4; b++) {
            receiver.receive(sender("a"), new Message.Piece(0, b * BLOCK, torrent.block(0, b * BLOCK)));
        }
        receiver.stop();
        workers.runAll();
        assertThat(settled()).isEmpty();
    }

    @Test
    void pieceBufferBudgetIsAnEighthOfTheHeapBetween48And128MiB() {
        long mib = 1024L * 1024;
        assertThat(PieceReceiver.bufferBudget(128 * mib)).as("-Xmx128m keeps the old 48 MiB").isEqualTo(48 * mib);
        assertThat(PieceReceiver.bufferBudget(768 * mib)).isEqualTo(96 * mib);
        assertThat(PieceReceiver.bufferBudget(6L * 1024 * mib)).as("a default heap on a 24 GiB machine").isEqualTo(128 * mib);
        assertThat(PieceReceiver.MAX_BUFFERED_BYTES).isBetween(48 * mib, 128 * mib);
    }
}
