package org.enjambre.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.BitSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ResumeSaverTest {
    static final Duration INTERVAL = Duration.ofSeconds(30);
    final ManualClock clock = new ManualClock();
    MemoryPieces torrent;
    TorrentState state;
    MemoryPieces.Store store;

    @BeforeEach
    void torrent() throws Exception {
        torrent = new MemoryPieces(4, 16 * 1024, 5);
        state = torrent.state();
        store = torrent.new Store(false);
    }

    ResumeSaver started(Workers workers) {
        ResumeSaver saver = new ResumeSaver("memory", store, workers, state, INTERVAL);
        saver.start(clock.nanoTime());
        return saver;
    }

    /** A saver whose first save, of piece 0, is still running on {@code workers}. */
    ResumeSaver firstSaveRunning(MemoryPieces.HeldWorkers workers) {
        ResumeSaver saver = started(workers);
        verify(saver, 0);
        tickAfter(saver, INTERVAL);
        assertThat(workers.pending()).isEqualTo(1);
        return saver;
    }

    /** What the engine does when a piece passes SHA-1. */
    void verify(ResumeSaver saver, int piece) {
        saver.pieceVerified();
        state.markVerified(piece);
    }

    /** Moves the clock on and lets the engine's timer tick. */
    void tickAfter(ResumeSaver saver, Duration elapsed) {
        clock.advanceMillis(elapsed.toMillis());
        saver.tick(clock.nanoTime());
    }

    static BitSet pieces(int... indexes) {
        BitSet out = new BitSet();
        for (int i : indexes) {
            out.set(i);
        }
        return out;
    }

    @Test
    void verifiedPiecesAreSavedOnceTheIntervalHasPassed() {
        ResumeSaver saver = started(MemoryPieces.AT_ONCE);
        verify(saver, 0);
        verify(saver, 2);

        tickAfter(saver, INTERVAL.minusMillis(1));
        assertThat(store.resumeSaves).as("not before the interval").isEmpty();

        tickAfter(saver, Duration.ofMillis(1));
        assertThat(store.resumeSaves).containsExactly(pieces(0, 2));
    }

    @Test
    void nothingIsSavedWhileNoPieceWasVerifiedSinceTheLastSave() {
        ResumeSaver saver = started(MemoryPieces.AT_ONCE);
        tickAfter(saver, INTERVAL.multipliedBy(3));
        assertThat(store.resumeSaves).as("nothing verified yet").isEmpty();

        verify(saver, 1);
        tickAfter(saver, Duration.ofMillis(1));
        tickAfter(saver, INTERVAL.multipliedBy(3));
        assertThat(store.resumeSaves).as("one save for one piece").containsExactly(pieces(1));
    }

    @Test
    void piecesVerifiedJustAfterASaveWaitForTheNextInterval() {
        ResumeSaver saver = started(MemoryPieces.AT_ONCE);
        verify(saver, 0);
        tickAfter(saver, INTERVAL);
        verify(saver, 3);

        tickAfter(saver, INTERVAL.minusMillis(1));
        assertThat(store.resumeSaves).containsExactly(pieces(0));

        tickAfter(saver, Duration.ofMillis(1));
        assertThat(store.resumeSaves).containsExactly(pieces(0), pieces(0, 3));
    }

    @Test
    void aSaveStillRunningIsNotOverlappedByTheNext() {
        MemoryPieces.HeldWorkers workers = new MemoryPieces.HeldWorkers();
        ResumeSaver saver = firstSaveRunning(workers);
        verify(saver, 1);

        tickAfter(saver, INTERVAL.multipliedBy(2));
        assertThat(workers.pending()).as("the first save is still on the disk").isEqualTo(1);

        workers.runAll();
        tickAfter(saver, Duration.ofMillis(500));
        workers.runAll();
        assertThat(store.resumeSaves).containsExactly(pieces(0), pieces(0, 1));
    }

    @Test
    void aCompletedDownloadIsSavedAtOnce() {
        ResumeSaver saver = started(MemoryPieces.AT_ONCE);
        for (int piece = 0; piece < torrent.pieceCount(); piece++) {
            verify(saver, piece);
        }

        saver.completed(clock.nanoTime());

        assertThat(store.resumeSaves).containsExactly(pieces(0, 1, 2, 3));
    }

    @Test
    void aDownloadCompletedDuringASaveIsSavedByTheTimerOnceTheIntervalHasPassed() {
        MemoryPieces.HeldWorkers workers = new MemoryPieces.HeldWorkers();
        ResumeSaver saver = firstSaveRunning(workers);
        for (int piece = 1; piece < torrent.pieceCount(); piece++) {
            verify(saver, piece);
        }

        saver.completed(clock.nanoTime());
        assertThat(workers.pending()).as("no second save beside the running one").isEqualTo(1);
        workers.runAll();

        tickAfter(saver, INTERVAL);
        workers.runAll();
        assertThat(store.resumeSaves).containsExactly(pieces(0), pieces(0, 1, 2, 3));
    }

    @Test
    void aFailedSaveIsNotFatalAndTheNextOneIsMade() {
        ResumeSaver saver = started(MemoryPieces.AT_ONCE);
        store.resumeFails = true;
        verify(saver, 0);
        tickAfter(saver, INTERVAL);
        assertThat(store.resumeSaves).isEmpty();

        store.resumeFails = false;
        verify(saver, 1);
        tickAfter(saver, INTERVAL);
        assertThat(store.resumeSaves).containsExactly(pieces(0, 1));
    }

    @Test
    void aFailedSaveOfACompletedDownloadIsMadeAgainOnceTheIntervalHasPassed() {
        ResumeSaver saver = started(MemoryPieces.AT_ONCE);
        for (int piece = 0; piece < torrent.pieceCount(); piece++) {
            verify(saver, piece);
        }
        store.resumeFails = true;
        saver.completed(clock.nanoTime());
        assertThat(store.resumeSaves).isEmpty();

        store.resumeFails = false; // the disk has room again; no piece is left to verify
        tickAfter(saver, INTERVAL.minusMillis(1));
        assertThat(store.resumeSaves).as("not before the interval").isEmpty();
        tickAfter(saver, Duration.ofMillis(1));
        assertThat(store.resumeSaves).containsExactly(pieces(0, 1, 2, 3));

        tickAfter(saver, INTERVAL.multipliedBy(3));
        assertThat(store.resumeSaves).as("saved once it worked").hasSize(1);
    }

    @Test
    void theSaveAtAStopRecordsWhatItIsGivenAndSwallowsAFailure() {
        ResumeSaver saver = started(MemoryPieces.AT_ONCE);

        saver.saveAtStop(pieces(1, 2));
        store.resumeFails = true;
        saver.saveAtStop(pieces(1, 2, 3)); // logged, not thrown: the engine closes the store next

        assertThat(store.resumeSaves).containsExactly(pieces(1, 2));
    }
}
