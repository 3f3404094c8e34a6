package org.enjambre.swarm;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * Direct buffers kept for reuse, each for a later request of exactly its size, the oldest dropped
 * first when room is needed (the GC then frees them). A piece's memory made afresh costs zeroing and
 * page faults (bench/RESULTS.md, 2026-12-03, "page faults in the 16-peer swarm"); the download's
 * {@link PieceBuffers} and the upload's {@link UploadBuffers} keep theirs here, each within its own
 * bound. Not thread-safe: its owner serializes the calls.
 */
final class SpareBuffers {
    private final ArrayDeque<ByteBuffer> spare = new ArrayDeque<>();
    private long bytes;

    /** A kept buffer of exactly {@code size} bytes (still holding what it held), or null if there is none. */
    ByteBuffer take(int size) {
        for (Iterator<ByteBuffer> it = spare.iterator(); it.hasNext(); ) {
            ByteBuffer b = it.next();
            if (b.capacity() == size) {
                it.remove();
                bytes -= size;
                return b;
            }
        }
        return null;
    }

    /** Keeps {@code buffer} (cleared) for a later {@link #take}. */
    void keep(ByteBuffer buffer) {
        buffer.clear();
        spare.addLast(buffer);
        bytes += buffer.capacity();
    }

    /** Drops the oldest kept buffers until they take at most {@code limit} bytes together. */
    void trimTo(long limit) {
        while (bytes > Math.max(0, limit)) {
            bytes -= spare.removeFirst().capacity();
        }
    }

    /** Bytes kept now. */
    long bytes() {
        return bytes;
    }
}
