package org.enjambre.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PiecePickerTest {
    /** 8 pieces of 64 KiB (4 blocks each), the last 20,000 bytes (2 blocks). */
    static final long TOTAL = 7L * 65536 + 20_000;

    static BitSet pieces(int... indexes) {
        BitSet b = new BitSet();
        for (int i : indexes) {
            b.set(i);
        }
        return b;
    }

    static PiecePicker picker(TorrentState state, long seed) {
        return new PiecePicker(8, 65536, TOTAL, 16384, state, new Random(seed));
    }

    @Test
    void neverHandsTheSameBlockToTwoPeersAndStopsWhenAllAreRequested() {
        TorrentState state = new TorrentState(8, 65536, TOTAL);
        PiecePicker picker = picker(state, 1);
        BitSet all = pieces(0, 1, 2, 3, 4, 5, 6, 7);
        picker.peerHasAll(all);
        picker.peerHasAll(all);
        Set<Long> handed = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            long block = picker.next(all);
            if (block < 0) {
                break;
            }
            assertThat(handed.add(block)).as("block %d handed twice", block).isTrue();
        }
        assertThat(handed).hasSize(7 * 4 + 2);
        assertThat(picker.next(all)).isEqualTo(-1);
        assertThat(picker.blockSize(7, 16384)).isEqualTo(20_000 - 16384);
    }

    @Test
    void picksTheRarestPieceFirstAndFinishesStartedPiecesBeforeNewOnes() {
        TorrentState state = new TorrentState(8, 65536, TOTAL);
        PiecePicker picker = picker(state, 2);
        picker.peerHasAll(pieces(0, 1, 2, 3, 4, 5, 6, 7));
        picker.peerHasAll(pieces(0, 1, 2, 3, 4, 6, 7));
        picker.peerHasAll(pieces(0, 1, 2, 3, 4, 6, 7));
        // Piece 5 is held by one peer only: it goes first, all four of its blocks.
        BitSet seed = pieces(0, 1, 2, 3, 4, 5, 6, 7);
        for (int b = 0; b < 4; b++) {
            assertThat(PiecePicker.pieceOf(picker.next(seed))).isEqualTo(5);
        }
        long first = picker.next(seed);
        int started = PiecePicker.pieceOf(first);
        assertThat(started).isNotEqualTo(5);
        // A second peer continues the started piece instead of opening another.
        assertThat(PiecePicker.pieceOf(picker.next(pieces(0, 1, 2, 3, 4, 6, 7)))).isEqualTo(started);
    }

    @Test
    void releasedBlocksAreHandedOutAgainAndFailedPiecesStartOver() {
        TorrentState state = new TorrentState(8, 65536, TOTAL);
        PiecePicker picker = picker(state, 3);
        BitSet only0 = pieces(0);
        picker.peerHasAll(only0);
        long[] blocks = new long[4];
        for (int i = 0; i < 4; i++) {
            blocks[i] = picker.next(only0);
        }
        assertThat(picker.next(only0)).isEqualTo(-1);
        picker.release(blocks[2]);
        assertThat(picker.next(only0)).isEqualTo(blocks[2]);
        for (long b : blocks) {
            picker.written(b);
        }
        picker.failed(0);
        assertThat(picker.next(only0)).isEqualTo(PiecePicker.block(0, 0));
    }

    @Test
    void tiesAreBrokenAtRandomSoSeedsDoNotMakeEveryoneSequential() {
        Set<Integer> firstPicks = new HashSet<>();
        for (long seed = 0; seed < 20; seed++) {
            TorrentState state = new TorrentState(8, 65536, TOTAL);
            // Spread seeds: java.util.Random's first draw is correlated for consecutive seeds.
            PiecePicker picker = picker(state, seed * 0x9E3779B97F4A7C15L);
            BitSet all = pieces(0, 1, 2, 3, 4, 5, 6, 7);
            picker.peerHasAll(all);
            firstPicks.add(PiecePicker.pieceOf(picker.next(all)));
        }
        assertThat(firstPicks.size()).isGreaterThan(3);
    }

    @Test
    void verifiedPiecesAndPiecesNoPeerHasAreNeverPicked() {
        TorrentState state = new TorrentState(8, 65536, TOTAL);
        state.markVerified(3);
        PiecePicker picker = picker(state, 4);
        BitSet peer = pieces(3);
        picker.peerHasAll(peer);
        assertThat(picker.next(peer)).isEqualTo(-1);
        picker.peerGone(peer);
        assertThat(picker.availability(3)).isZero();
    }

    @Test
    void endgameStartsOnlyWhenEveryMissingBlockIsRequestedAndBoundsDuplicates() {
        TorrentState state = new TorrentState(8, 65536, TOTAL);
        PiecePicker picker = picker(state, 5);
        BitSet all = pieces(0, 1, 2, 3, 4, 5, 6, 7);
        picker.peerHasAll(all);
        picker.peerHasAll(all);
        Set<Long> slowPeer = new HashSet<>();
        long block;
        while (true) {
            boolean endgameBefore = picker.inEndgame();
            if ((block = picker.next(all)) < 0) {
                break;
            }
            assertThat(endgameBefore).as("endgame while blocks were still free").isFalse();
            slowPeer.add(block);
        }
        assertThat(picker.inEndgame()).isTrue();
        // A second peer gets every outstanding block once, never one it already asked for.
        Set<Long> fastPeer = new HashSet<>();
        while ((block = picker.nextEndgame(all, fastPeer, 2)) >= 0) {
            assertThat(fastPeer.add(block)).isTrue();
        }
        assertThat(fastPeer).isEqualTo(slowPeer);
        // Redundancy 2: a third peer gets nothing more.
        assertThat(picker.nextEndgame(all, new HashSet<>(), 2)).isEqualTo(-1);
        long first = slowPeer.iterator().next();
        assertThat(picker.requesters(first)).isEqualTo(2);
        picker.written(first);
        assertThat(picker.requesters(first)).isZero();
        assertThat(picker.wanted(first)).isFalse();
    }

    @Test
    void releasingOneOfTwoEndgameRequestsKeepsTheBlockRequested() {
        TorrentState state = new TorrentState(8, 65536, TOTAL);
        PiecePicker picker = picker(state, 6);
        BitSet one = pieces(3);
        picker.peerHasAll(one);
        Set<Long> a = new HashSet<>();
        long block;
        while ((block = picker.next(one)) >= 0) {
            a.add(block);
        }
        long dup = picker.nextEndgame(one, new HashSet<>(), 3);
        assertThat(a).contains(dup);
        picker.release(dup);
        assertThat(picker.next(one)).as("still requested from the other peer").isEqualTo(-1);
        picker.release(dup);
        assertThat(picker.next(one)).as("free once nobody holds it").isEqualTo(dup);
    }

    @Test
    void theFirstPiecesArePickedAtRandomNotRarestFirst() {
        Set<Integer> firstPicks = new HashSet<>();
        for (long seed = 0; seed < 40; seed++) {
            TorrentState state = new TorrentState(8, 65536, TOTAL);
            // Scrambled seeds: java.util.Random's first draws from consecutive seeds are alike.
            PiecePicker picker = picker(state, seed * 0x9E3779B97F4A7C15L);
            picker.peerHasAll(pieces(0, 1, 2, 3, 4, 5, 6, 7));
            picker.peerHasAll(pieces(0, 1, 2, 3, 4, 5, 6));
            firstPicks.add(PiecePicker.pieceOf(picker.next(pieces(0, 1, 2, 3, 4, 5, 6, 7))));
        }
        // Rarest first would always start with piece 7 (one copy); random picks spread.
        assertThat(firstPicks.size()).isGreaterThan(3);
    }
}
