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
    /** Threads that hash a recheck at start. */
    static final int RECHECK_THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
    private final TorrentStorage storage;
    private final boolean createFiles;
    private final java.nio.file.Path resumeFile;
    private final org.enjambre.metainfo.InfoHash infoHash;
    private volatile String recheckOutcome = "not checked yet";

    public StoragePieceStore(TorrentStorage storage, boolean createFiles) {
        this(storage, createFiles, null, null);
    }

    /**
     * @param resumeFile where resume data is kept ({@link org.enjambre.storage.ResumeData}): trusted at
     *                   start when every file's size and mtime match it, else the data is rechecked;
     *                   null for none (always recheck)
     */
    public StoragePieceStore(TorrentStorage storage, boolean createFiles, org.enjambre.metainfo.InfoHash infoHash,
                             java.nio.file.Path resumeFile) {
        this.infoHash = infoHash;
        this.storage = storage;
        this.createFiles = createFiles;
        this.resumeFile = resumeFile;
    }

    /** How the last {@link #recheck} learned the pieces: trusted resume data, or why it rechecked. */
    public String recheckOutcome() {
        return recheckOutcome;
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
    public void readBlock(int piece, int begin, ByteBuffer into) throws IOException {
        storage.readBlock(piece, begin, into);
    }

    @Override
    public boolean verifyPiece(int piece) throws IOException {
        return storage.verifyPiece(piece);
    }

    @Override
    public BitSet recheck() throws IOException {
        try {
            BitSet found;
            if (resumeFile != null && infoHash != null) {
                org.enjambre.storage.ResumeData.Outcome outcome = org.enjambre.storage.ResumeData.loadOrRecheck(
                        resumeFile, infoHash, storage, RECHECK_THREADS,
                        org.enjambre.storage.RecheckProgress.NONE);
                recheckOutcome = outcome.reason();
                found = outcome.verified();
            } else {
                found = storage.recheck(org.enjambre.storage.RecheckProgress.NONE);
                recheckOutcome = "rechecked";
            }
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
    public void saveResume(BitSet verified) throws IOException {
        if (resumeFile != null && infoHash != null) {
            org.enjambre.storage.ResumeData.capture(infoHash, storage, verified).save(resumeFile);
        }
    }

    @Override
    public void close() {
        storage.close();
    }
}
