package org.enjambre.swarm;

import java.nio.charset.StandardCharsets;
import java.util.BitSet;

/**
 * One connection's peer as the torrent sees it: its id, the four BEP 3 flags, its pieces and the
 * bytes exchanged. The components keep their own bookkeeping (requests, upload queue, slot) in
 * their own rooms; this is what they share. Changed only on the engine's context.
 */
public final class PeerState {
    byte[] peerId;
    /** Session counters of this peer (null until the handshake names it). */
    PeerStats stats;

    boolean amChoking = true;
    boolean amInterested;
    boolean peerChoking = true;
    boolean peerInterested;

    /** Both handshakes set the BEP 6 bit: have all/none, reject request and allowed fast are spoken. */
    boolean fastExtension;
    /** BEP 6: pieces the peer lets us request while it chokes us (its allowed fast messages). */
    final BitSet allowedFastForUs = new BitSet();
    /** BEP 6: pieces we serve this peer while we choke it (our allowed fast set for its IP). */
    final BitSet allowedFastForThem = new BitSet();

    final BitSet pieces;
    /** Pieces the peer has that we lack: interest without rescanning the bitfield. */
    int interesting;

    long bytesDownloaded;
    long bytesUploaded;
    /** When a block last went either way (or the connection was made): an idle peer may be evicted. */
    long lastExchangeNanos;

    PeerState(int pieceCount, long nowNanos) {
        this.pieces = new BitSet(pieceCount);
        this.lastExchangeNanos = nowNanos;
    }

    /** The peer id from its handshake (a copy), null before it. */
    public byte[] peerId() {
        return peerId == null ? null : peerId.clone();
    }

    public boolean amChoking() {
        return amChoking;
    }

    public boolean amInterested() {
        return amInterested;
    }

    public boolean peerChoking() {
        return peerChoking;
    }

    public boolean peerInterested() {
        return peerInterested;
    }

    /** Did both handshakes set the BEP 6 (fast extension) bit? */
    public boolean fastExtension() {
        return fastExtension;
    }

    public boolean has(int piece) {
        return pieces.get(piece);
    }

    /** The first 8 bytes of the peer id, as BEP 20 clients put their name and version there. */
    String client() {
        return peerId == null ? "?" : new String(peerId, 0, 8, StandardCharsets.ISO_8859_1);
    }
}
