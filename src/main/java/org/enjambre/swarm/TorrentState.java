package org.enjambre.swarm;

import java.util.BitSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one source of truth about a torrent's progress: which pieces are verified, and the counters
 * (bytes up and down, pieces verified, hash failures, requests outstanding, peers). The engine
 * writes it from its event loop; the wire, tracker announces, the CLI and the dashboard read it,
 * possibly from other threads, hence the synchronisation on the bitfield and atomic counters.
 */
public final class TorrentState {
    private final int pieceCount;
    private final long totalLength;
    private final int pieceLength;
    private final BitSet verified;
    private int verifiedCount;

    private final AtomicLong uploaded = new AtomicLong();
    private final AtomicLong downloaded = new AtomicLong();
    private final AtomicLong piecesVerified = new AtomicLong();
    private final AtomicLong hashFailures = new AtomicLong();
    private final AtomicInteger requestsOutstanding = new AtomicInteger();
    private final AtomicInteger peers = new AtomicInteger();
    private final AtomicLong wasted = new AtomicLong();

    public TorrentState(int pieceCount, int pieceLength, long totalLength) {
        this.pieceCount = pieceCount;
        this.pieceLength = pieceLength;
        this.totalLength = totalLength;
        this.verified = new BitSet(pieceCount);
    }

    public int pieceCount() {
        return pieceCount;
    }

    public synchronized boolean has(int piece) {
        return verified.get(piece);
    }

    /** Marks a piece verified; returns false if it already was. */
    public synchronized boolean markVerified(int piece) {
        if (verified.get(piece)) {
            return false;
        }
        verified.set(piece);
        verifiedCount++;
        return true;
    }

    /** Replaces the bitfield with what a recheck found (only at start). */
    public synchronized void resetTo(BitSet pieces) {
        verified.clear();
        verified.or(pieces);
        verifiedCount = verified.cardinality();
    }

    public synchronized int verifiedCount() {
        return verifiedCount;
    }

    public synchronized boolean complete() {
        return verifiedCount == pieceCount;
    }

    /** The bitfield as sent on the wire: high bit of byte 0 is piece 0. */
    public synchronized byte[] bitfieldBytes() {
        byte[] bits = new byte[(pieceCount + 7) / 8];
        for (int i = verified.nextSetBit(0); i >= 0; i = verified.nextSetBit(i + 1)) {
            bits[i >>> 3] |= (byte) (0x80 >>> (i & 7));
        }
        return bits;
    }

    /** A copy of the verified pieces. */
    public synchronized BitSet bitfield() {
        return (BitSet) verified.clone();
    }

    /** Bytes still missing (the tracker's {@code left}). */
    public synchronized long left() {
        long have = (long) verifiedCount * pieceLength;
        if (verified.get(pieceCount - 1)) {
            have -= (long) pieceCount * pieceLength - totalLength;
        }
        return totalLength - have;
    }

    public long totalLength() {
        return totalLength;
    }

    /** Fraction verified, 0..1. */
    public double progress() {
        return 1.0 - (double) left() / totalLength;
    }

    public long uploaded() {
        return uploaded.get();
    }

    public long downloaded() {
        return downloaded.get();
    }

    public long piecesVerified() {
        return piecesVerified.get();
    }

    public long hashFailures() {
        return hashFailures.get();
    }

    public int requestsOutstanding() {
        return requestsOutstanding.get();
    }

    public int peers() {
        return peers.get();
    }

    /** Bytes received that were not needed (unrequested or duplicate blocks). */
    public long wasted() {
        return wasted.get();
    }

    void addUploaded(long bytes) {
        uploaded.addAndGet(bytes);
    }

    void addDownloaded(long bytes) {
        downloaded.addAndGet(bytes);
    }

    void addWasted(long bytes) {
        wasted.addAndGet(bytes);
    }

    void pieceVerified() {
        piecesVerified.incrementAndGet();
    }

    void hashFailed() {
        hashFailures.incrementAndGet();
    }

    void requestsOutstanding(int delta) {
        requestsOutstanding.addAndGet(delta);
    }

    void peers(int delta) {
        peers.addAndGet(delta);
    }
}
