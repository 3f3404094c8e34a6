package org.enjambre.swarm;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import org.enjambre.storage.TorrentStorage;

/**
 * The engine's {@link PieceStore} on {@link TorrentStorage}. A downloading store creates the
 * torrent's files (and folders) when it is first checked; a seeding one creates nothing, so a
 * wrong {@code --data} folder is reported instead of filled with empty files.
 */
public final class StoragePieceStore implements PieceStore {
    private final TorrentStorage storage;
    private final boolean createFiles;

    public StoragePieceStore(TorrentStorage storage, boolean createFiles) {
        this.storage = storage;
        this.createFiles = createFiles;
    }

    public TorrentStorage storage() {
        return storage;
    }

    @Override
    public void writeBlock(int piece, int begin, ByteBuffer data) throws IOException {
        storage.writeBlock(piece, begin, data);
    }

    @Override
    public ByteBuffer readBlock(int piece, int begin, int length) throws IOException {
        return ByteBuffer.wrap(storage.readBlock(piece, begin, length));
    }

    @Override
    public boolean verifyPiece(int piece) throws IOException {
        return storage.verifyPiece(piece);
    }

    @Override
    public BitSet recheck() throws IOException {
        try {
            BitSet found = storage.recheck(org.enjambre.storage.RecheckProgress.NONE);
            if (createFiles) {
                storage.createFiles();
            }
            return found;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("recheck interrupted");
        }
    }

    @Override
    public void close() {
        storage.close();
    }
}
