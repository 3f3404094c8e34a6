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
    private final AtomicInteger bans = new AtomicInteger();
    private final AtomicLong endgameRequests = new AtomicLong();
    private final AtomicLong cancelsSent = new AtomicLong();
    private final AtomicLong snubs = new AtomicLong();
    private final AtomicLong rerouted = new AtomicLong();
    private final AtomicInteger fastPeers = new AtomicInteger();
    private final AtomicLong haveAllsReceived = new AtomicLong();
    private final AtomicLong rejectsReceived = new AtomicLong();
    private final AtomicLong rejectsSent = new AtomicLong();
    private volatile int piecesAtStart;
    private volatile long uploadedWhenAllOut = -1;
    /** Per remote peer (by peer id hex), for the whole session: the one place peer counters live. */
    private final java.util.concurrent.ConcurrentHashMap<String, PeerStats> peerStats =
            new java.util.concurrent.ConcurrentHashMap<>();

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
        piecesAtStart = verifiedCount;
    }

    /** Pieces found verified on disk (or in trusted resume data) when the engine started. */
    public int piecesAtStart() {
        return piecesAtStart;
    }

    public synchronized int verifiedCount() {
        return verifiedCount;
    }

    /** Connections so far on which both sides set the BEP 6 (fast extension) bit. */
    public int fastPeers() {
        return fastPeers.get();
    }

    void fastPeer() {
        fastPeers.incrementAndGet();
    }

    /** BEP 6 {@code have all} messages received (a seed saying so in one byte). */
    public long haveAllsReceived() {
        return haveAllsReceived.get();
    }

    void haveAllReceived() {
        haveAllsReceived.incrementAndGet();
    }

    /** BEP 6 {@code reject request} messages received for requests we still waited for. */
    public long rejectsReceived() {
        return rejectsReceived.get();
    }

    void rejectReceived() {
        rejectsReceived.incrementAndGet();
    }

    /** BEP 6 {@code reject request} messages sent (a request while choked, or for a piece we lack). */
    public long rejectsSent() {
        return rejectsSent.get();
    }

    void rejectSent() {
        rejectsSent.incrementAndGet();
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

    /** Peers banned in this session for sending data that failed SHA-1. */
    public int bans() {
        return bans.get();
    }

    /** Duplicate requests sent in endgame (a block asked of a second or third peer). */
    public long endgameRequests() {
        return endgameRequests.get();
    }

    /** {@code cancel} messages sent for endgame duplicates that another peer delivered first. */
    public long cancelsSent() {
        return cancelsSent.get();
    }

    /** Times a peer was found snubbing us (no block for the snub timeout) and lost its requests. */
    public long snubs() {
        return snubs.get();
    }

    /** Requests cancelled at a seed because a leecher that unchokes us announced the piece. */
    public long rerouted() {
        return rerouted.get();
    }

    void rerouted(int blocks) {
        rerouted.addAndGet(blocks);
    }

    /**
     * A seeder's bytes uploaded at the moment every piece had been sent to some peer, -1 until then
     * (or if it was not a seeder): one torrent's length here means no piece was sent twice before
     * every piece was sent once.
     */
    public long uploadedWhenEveryPieceWasOut() {
        return uploadedWhenAllOut;
    }

    void everyPieceOut() {
        uploadedWhenAllOut = uploaded.get();
    }

    /** Every peer seen in this session, connected or not. */
    public java.util.List<PeerStats> peerStats() {
        return java.util.List.copyOf(peerStats.values());
    }

    /** One peer's counters by its peer id (40 lowercase hex), or null if never connected. */
    public PeerStats peerStats(String peerIdHex) {
        return peerStats.get(peerIdHex);
    }

    PeerStats peerStatsFor(String peerIdHex, String address) {
        PeerStats stats = peerStats.computeIfAbsent(peerIdHex, id -> new PeerStats(id, address));
        stats.address(address);
        return stats;
    }

    void banned() {
        bans.incrementAndGet();
    }

    void endgameRequest() {
        endgameRequests.incrementAndGet();
    }

    void cancelSent() {
        cancelsSent.incrementAndGet();
    }

    void snubbed() {
        snubs.incrementAndGet();
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
