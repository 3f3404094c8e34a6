package org.enjambre.swarm;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Memory buffers for pieces being downloaded, within a byte budget: a buffered piece is hashed in
 * memory and written once, verified; the others go to disk block by block. Whether a piece is
 * buffered is decided once, at its first block, and holds until the piece is verified or fails:
 * block writes complete asynchronously, so "nothing written yet" does not mean "nothing received
 * yet", and a buffer made later would miss the blocks already on their way to disk. A released
 * buffer is kept for the next piece of its size (within the same budget): a fresh megabyte array
 * per piece cost zeroing and, in G1, a humongous allocation each. The buffers are direct: a piece
 * is hashed (libcrypto reads it where it lies) and written to its file from there, where a heap
 * array made the JDK copy it into a temporary direct buffer on every write. Used only on the
 * engine's event loop.
 */
final class PieceBuffers {
    private final long budget;
    private final int largestPiece;
    private final Map<Integer, ByteBuffer> buffers = new HashMap<>();
    private final Set<Integer> onDisk = new HashSet<>();
    private long used;
    /** Released buffers kept for reuse; live and spare buffers together stay within the budget. */
    private final SpareBuffers spare = new SpareBuffers();

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
    ByteBuffer forBlock(int piece, int size, boolean startedOnDisk) {
        ByteBuffer buffer = buffers.get(piece);
        if (buffer != null || onDisk.contains(piece)) {
            return buffer;
        }
        if (startedOnDisk || size > largestPiece || used + size > budget) {
            onDisk.add(piece);
            return null;
        }
        buffer = reuse(size);
        buffers.put(piece, buffer);
        used += size;
        return buffer;
    }

    /** A spare buffer of that size (every byte of it is overwritten by the piece's blocks), or a new one. */
    private ByteBuffer reuse(int size) {
        ByteBuffer kept = spare.take(size);
        if (kept != null) {
            return kept;
        }
        spare.trimTo(budget - used - size); // spares of another size make room
        return ByteBuffer.allocateDirect(size);
    }

    /**
     * The piece's buffer is no longer needed (its data was verified and written, or failed): it is
     * kept for another piece. The caller no longer touches it (the worker that hashed it is done).
     */
    void release(int piece) {
        ByteBuffer buffer = buffers.remove(piece);
        if (buffer != null) {
            used -= buffer.capacity();
            spare.keep(buffer);
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
