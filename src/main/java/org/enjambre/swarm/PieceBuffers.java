package org.enjambre.swarm;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Memory buffers for pieces being downloaded, within a byte budget: a buffered piece is hashed in
 * memory and written once, verified; the others go to disk block by block. Whether a piece is
 * buffered is decided once, at its first block, and holds until the piece is verified or fails:
 * block writes complete asynchronously, so "nothing written yet" does not mean "nothing received
 * yet", and a buffer made later would miss the blocks already on their way to disk. Used only on
 * the engine's event loop.
 */
final class PieceBuffers {
    private final long budget;
    private final int largestPiece;
    private final Map<Integer, byte[]> buffers = new HashMap<>();
    private final Set<Integer> onDisk = new HashSet<>();
    private long used;

    /**
     * @param budget       bytes all buffers may take together
     * @param largestPiece larger pieces always go to disk
     */
    PieceBuffers(long budget, int largestPiece) {
        this.budget = budget;
        this.largestPiece = largestPiece;
    }

    /**
     * The buffer for a block of {@code piece}, made at the piece's first block if the piece is
     * small enough and the budget allows; null means the block goes to disk.
     *
     * @param size         the piece's size
     * @param startedOnDisk whether some block of the piece was already written to disk
     */
    byte[] forBlock(int piece, int size, boolean startedOnDisk) {
        byte[] buffer = buffers.get(piece);
        if (buffer != null || onDisk.contains(piece)) {
            return buffer;
        }
        if (startedOnDisk || size > largestPiece || used + size > budget) {
            onDisk.add(piece);
            return null;
        }
        buffer = new byte[size];
        buffers.put(piece, buffer);
        used += size;
        return buffer;
    }

    /** The piece's buffer is no longer needed (its data was verified and written, or failed). */
    void release(int piece) {
        byte[] buffer = buffers.remove(piece);
        if (buffer != null) {
            used -= buffer.length;
        }
    }

    /** The piece was verified or failed: if it is fetched again, its first block decides afresh. */
    void settled(int piece) {
        onDisk.remove(piece);
    }

    /** Bytes the buffers take now. */
    long usedBytes() {
        return used;
    }
}
