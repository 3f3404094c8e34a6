package org.enjambre.swarm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;

/**
 * What the engine needs from storage, as blocking calls the engine makes only on worker threads.
 * Implementations write and read a torrent's content at piece/offset positions and verify pieces
 * against their SHA-1; calls for different pieces may run concurrently.
 */
public interface PieceStore extends AutoCloseable {

    /** Writes {@code data} (position to limit) at offset {@code begin} of piece {@code piece}. */
    void writeBlock(int piece, int begin, ByteBuffer data) throws IOException;

    /** Reads {@code length} bytes at offset {@code begin} of piece {@code piece}. */
    ByteBuffer readBlock(int piece, int begin, int length) throws IOException;

    /**
     * Reads {@code into.remaining()} bytes at offset {@code begin} of piece {@code piece} into
     * {@code into}. Uploads read into direct buffers: a store that reads into them directly spares
     * the copy through a heap array.
     */
    default void readBlock(int piece, int begin, ByteBuffer into) throws IOException {
        into.put(readBlock(piece, begin, into.remaining()));
    }

    /** Reads the whole piece back and compares its SHA-1 with the torrent's. */
    boolean verifyPiece(int piece) throws IOException;

    /** Checks the data already on disk: the set of pieces present and valid. */
    BitSet recheck() throws IOException;

    /**
     * Records which pieces are verified so that a restart need not check the data again
     * ({@link #recheck} may then trust it). Does nothing by default.
     */
    default void saveResume(BitSet verified) throws IOException {
    }

    @Override
    void close() throws IOException;
}
