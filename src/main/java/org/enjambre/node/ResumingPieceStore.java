package org.enjambre.node;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.BitSet;
import org.enjambre.metainfo.InfoHash;
import org.enjambre.storage.RecheckProgress;
import org.enjambre.storage.ResumeData;
import org.enjambre.storage.TorrentStorage;
import org.enjambre.swarm.PieceStore;
import org.enjambre.swarm.StoragePieceStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's piece store: storage as for {@code download}, but the first check trusts the resume
 * data when every file still matches it, so a restarted node does not rehash what it had.
 * Missing files are created: a node downloads what is not there. Resume data is saved by the
 * engine's scheduler through {@link #saveResume}, like a {@code download}'s.
 */
final class ResumingPieceStore implements PieceStore {
    private static final Logger LOG = LoggerFactory.getLogger(ResumingPieceStore.class);
    private final TorrentStorage storage;
    private final StoragePieceStore delegate;
    private final Path resumeFile;
    private final InfoHash infoHash;

    ResumingPieceStore(TorrentStorage storage, Path resumeFile, InfoHash infoHash) {
        this.storage = storage;
        this.delegate = new StoragePieceStore(storage, true);
        this.resumeFile = resumeFile;
        this.infoHash = infoHash;
    }

    TorrentStorage storage() {
        return storage;
    }

    @Override
    public void writeBlock(int piece, int begin, ByteBuffer data) throws IOException {
        delegate.writeBlock(piece, begin, data);
    }

    @Override
    public ByteBuffer readBlock(int piece, int begin, int length) throws IOException {
        return delegate.readBlock(piece, begin, length);
    }

    @Override
    public void readBlock(int piece, int begin, ByteBuffer into) throws IOException {
        delegate.readBlock(piece, begin, into);
    }

    @Override
    public boolean verifyPiece(int piece) throws IOException {
        return delegate.verifyPiece(piece);
    }

    @Override
    public BitSet recheck() throws IOException {
        try {
            ResumeData.Outcome outcome = ResumeData.loadOrRecheck(resumeFile, infoHash, storage,
                    TorrentStorage.MAX_RECHECK_THREADS, RecheckProgress.NONE);
            LOG.info("{}: {} ({} pieces)", storage.info().name(), outcome.reason(), outcome.verified().cardinality());
            storage.createFiles();
            return outcome.verified();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("recheck interrupted");
        }
    }

    /**
     * The engine's one resume-data scheduler calls this (every few verified pieces, and at stop):
     * the data is flushed first, so the file sizes and times recorded are those of durable data.
     */
    @Override
    public void saveResume(BitSet verified) throws IOException {
        storage.flush();
        ResumeData.capture(infoHash, storage, verified).save(resumeFile);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
