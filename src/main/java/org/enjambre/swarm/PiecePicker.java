package org.enjambre.swarm;

import java.util.BitSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Decides which block to request next from a peer, and owns every block's state (free, requested,
 * written) so that a block is never requested from two peers at once.
 *
 * <p>Policy: blocks of pieces already started come first (finish what is open, so pieces verify and
 * can be shared sooner); then a new piece, the rarest among the connected peers, ties broken at
 * random (scanning from a random start), so that a swarm of seeds does not make everyone download
 * sequentially. Availability is kept up to date from bitfield/have/disconnect, not recomputed.
 * The first {@link #RANDOM_FIRST_PIECES} pieces are picked at random instead: a new peer soon has a
 * complete piece to trade, and rarest-first is not yet worth much.
 *
 * <p>Endgame: once every missing block is requested ({@link #inEndgame}), {@link #nextEndgame}
 * hands out blocks that are requested but not yet written, to a bounded number of peers each;
 * the engine cancels the duplicates when the first copy arrives.
 *
 * <p>Not thread-safe: used from the engine's event loop only.
 */
public final class PiecePicker {
    private final int pieceCount;
    private final int pieceLength;
    private final long totalLength;
    private final int blockLength;
    private final TorrentState state;
    private final int[] availability;
    private final Map<Integer, Partial> partials = new LinkedHashMap<>();
    private final Random random;
    /** Picked at random before rarest first applies, so a newcomer soon has something to trade. */
    public static final int RANDOM_FIRST_PIECES = 4;

    /** Block states of one started piece. */
    private static final class Partial {
        final int piece;
        final int blocks;
        final BitSet requested;
        final BitSet written;
        /** How many peers each block is requested from (more than 1 only in endgame). */
        final byte[] requesters;
        int writtenCount;
        int nextFree;

        Partial(int piece, int blocks) {
            this.piece = piece;
            this.blocks = blocks;
            this.requested = new BitSet(blocks);
            this.written = new BitSet(blocks);
            this.requesters = new byte[blocks];
        }

        boolean hasFree() {
            return requested.nextClearBit(0) < blocks;
        }

        int takeFree() {
            int b = requested.nextClearBit(nextFree);
            if (b >= blocks) {
                b = requested.nextClearBit(0);
                if (b >= blocks) {
                    return -1;
                }
            }
            requested.set(b);
            requesters[b] = 1;
            nextFree = b + 1;
            return b;
        }
    }

    public PiecePicker(int pieceCount, int pieceLength, long totalLength, int blockLength, TorrentState state,
                       Random random) {
        this.pieceCount = pieceCount;
        this.pieceLength = pieceLength;
        this.totalLength = totalLength;
        this.blockLength = blockLength;
        this.state = state;
        this.availability = new int[pieceCount];
        this.random = random;
    }

    /** Encodes a block as piece (high 32 bits) and begin (low 32 bits). */
    public static long block(int piece, int begin) {
        return ((long) piece << 32) | (begin & 0xffffffffL);
    }

    public static int pieceOf(long block) {
        return (int) (block >>> 32);
    }

    public static int beginOf(long block) {
        return (int) block;
    }

    public int pieceSize(int piece) {
        return piece == pieceCount - 1 ? (int) (totalLength - (long) piece * pieceLength) : pieceLength;
    }

    /** Length of the block that starts at {@code begin} of {@code piece}. */
    public int blockSize(int piece, int begin) {
        return Math.min(blockLength, pieceSize(piece) - begin);
    }

    private int blocksIn(int piece) {
        return (pieceSize(piece) + blockLength - 1) / blockLength;
    }

    public void peerHas(int piece) {
        availability[piece]++;
    }

    public void peerHasAll(BitSet pieces) {
        for (int i = pieces.nextSetBit(0); i >= 0; i = pieces.nextSetBit(i + 1)) {
            availability[i]++;
        }
    }

    /** A peer left: its pieces count no more. */
    public void peerGone(BitSet pieces) {
        for (int i = pieces.nextSetBit(0); i >= 0; i = pieces.nextSetBit(i + 1)) {
            availability[i]--;
        }
    }

    public int availability(int piece) {
        return availability[piece];
    }

    /**
     * The next block to request from a peer that has {@code peerPieces}, marked requested; or -1
     * when that peer has nothing we still need that is not already requested.
     */
    public long next(BitSet peerPieces) {
        for (Partial p : partials.values()) {
            if (peerPieces.get(p.piece)) {
                int b = p.takeFree();
                if (b >= 0) {
                    return block(p.piece, b * blockLength);
                }
            }
        }
        int piece = rarestNewPiece(peerPieces);
        if (piece < 0) {
            return -1;
        }
        Partial p = new Partial(piece, blocksIn(piece));
        partials.put(piece, p);
        return block(piece, p.takeFree() * blockLength);
    }

    /**
     * Whether every block still missing is requested from someone (or written, awaiting its hash):
     * the time to ask several peers for the same blocks.
     */
    public boolean inEndgame() {
        if (pieceCount - state.verifiedCount() > partials.size()) {
            return false; // a piece nobody asked for yet
        }
        for (Partial p : partials.values()) {
            if (p.hasFree()) {
                return false;
            }
        }
        return !partials.isEmpty();
    }

    /**
     * In endgame, a block that the peer with {@code peerPieces} has, requested from fewer than
     * {@code redundancy} peers and not written yet, and not in {@code alreadyAsked} (this peer's own
     * requests): marked requested once more. -1 when there is none.
     */
    public long nextEndgame(BitSet peerPieces, java.util.Set<Long> alreadyAsked, int redundancy) {
        long best = -1;
        int fewest = Integer.MAX_VALUE;
        Partial bestPartial = null;
        for (Partial p : partials.values()) {
            if (!peerPieces.get(p.piece)) {
                continue;
            }
            for (int b = p.written.nextClearBit(0); b < p.blocks; b = p.written.nextClearBit(b + 1)) {
                long block = block(p.piece, b * blockLength);
                int n = p.requesters[b];
                // The block asked of the fewest peers first: one slow peer's blocks are duplicated first.
                if (n < redundancy && n < fewest && !alreadyAsked.contains(block)) {
                    best = block;
                    fewest = n;
                    bestPartial = p;
                }
            }
        }
        if (bestPartial != null) {
            int b = beginOf(best) / blockLength;
            bestPartial.requested.set(b);
            bestPartial.requesters[b]++;
        }
        return best;
    }

    /** Peers a block is requested from now (0 if it is not, or is written). */
    public int requesters(long block) {
        Partial p = partials.get(pieceOf(block));
        return p == null ? 0 : p.requesters[beginOf(block) / blockLength];
    }

    private int rarestNewPiece(BitSet peerPieces) {
        if (state.verifiedCount() + partials.size() < RANDOM_FIRST_PIECES) {
            return randomNewPiece(peerPieces);
        }
        int best = -1;
        int bestAvailability = Integer.MAX_VALUE;
        int start = random.nextInt(pieceCount);
        // Scan the peer's pieces from a random start, wrapping once: the first strictly rarer piece
        // wins, so among equally rare pieces the pick is random.
        for (int pass = 0; pass < 2; pass++) {
            int from = pass == 0 ? start : 0;
            int to = pass == 0 ? pieceCount : start;
            for (int i = peerPieces.nextSetBit(from); i >= 0 && i < to; i = peerPieces.nextSetBit(i + 1)) {
                if (availability[i] < bestAvailability && !state.has(i) && !partials.containsKey(i)) {
                    best = i;
                    bestAvailability = availability[i];
                    if (bestAvailability <= 1) {
                        return best;
                    }
                }
            }
        }
        return best;
    }

    private int randomNewPiece(BitSet peerPieces) {
        int start = random.nextInt(pieceCount);
        for (int pass = 0; pass < 2; pass++) {
            int from = pass == 0 ? start : 0;
            int to = pass == 0 ? pieceCount : start;
            for (int i = peerPieces.nextSetBit(from); i >= 0 && i < to; i = peerPieces.nextSetBit(i + 1)) {
                if (!state.has(i) && !partials.containsKey(i)) {
                    return i;
                }
            }
        }
        return -1;
    }

    /**
     * A request was not answered (choke, disconnect, cancel, snub): one requester less; with none
     * left the block is free again.
     */
    public void release(long block) {
        Partial p = partials.get(pieceOf(block));
        if (p != null) {
            int b = beginOf(block) / blockLength;
            if (!p.written.get(b)) {
                if (p.requesters[b] > 0) {
                    p.requesters[b]--;
                }
                if (p.requesters[b] == 0) {
                    p.requested.clear(b);
                    if (b < p.nextFree) {
                        p.nextFree = b;
                    }
                }
            }
        }
    }

    /**
     * A block's data is on disk. Returns true when that completes its piece (time to verify).
     */
    public boolean written(long block) {
        Partial p = partials.get(pieceOf(block));
        if (p == null) {
            return false;
        }
        int b = beginOf(block) / blockLength;
        if (p.written.get(b)) {
            return false;
        }
        p.written.set(b);
        p.requested.set(b);
        p.requesters[b] = 0;
        p.writtenCount++;
        return p.writtenCount == p.blocks;
    }

    /** Blocks of a started piece already written (0 for a piece not started). */
    public int writtenCount(int piece) {
        Partial p = partials.get(piece);
        return p == null ? 0 : p.writtenCount;
    }

    /** Whether a block is still wanted (requested by us and not yet written). */
    public boolean wanted(long block) {
        Partial p = partials.get(pieceOf(block));
        return p != null && !p.written.get(beginOf(block) / blockLength);
    }

    /** The piece passed SHA-1: it leaves the picker. */
    public void verified(int piece) {
        partials.remove(piece);
    }

    /** The piece failed SHA-1: every block of it is free again. */
    public void failed(int piece) {
        partials.remove(piece);
    }

    /** Pieces started and not yet verified. */
    public int partialCount() {
        return partials.size();
    }

    /** For tests and the dashboard: the partial pieces' numbers. */
    public Iterator<Integer> partialPieces() {
        return partials.keySet().iterator();
    }
}
