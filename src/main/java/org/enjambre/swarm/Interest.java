package org.enjambre.swarm;

import org.enjambre.wire.Message;

/**
 * Whether we want something from each peer: counts the pieces a peer has that we lack (from its
 * bitfield and {@code have}s, so interest never rescans a bitfield), tells the picker about
 * availability, and sends {@code interested}/{@code not interested} when that count crosses zero.
 * Two seeds have nothing to trade: their connection closes.
 */
final class Interest {
    private final TorrentState state;
    private final PiecePicker picker;
    private final int pieceCount;

    Interest(TorrentState state, PiecePicker picker) {
        this.state = state;
        this.picker = picker;
        this.pieceCount = state.pieceCount();
    }

    /** The peer announced a piece ({@code have}). */
    void have(PeerLink link, int piece) {
        peerHas(link, piece);
        update(link);
    }

    /**
     * The peer's bitfield. BEP 3 wants it first, but aria2 sends it after other messages: it is
     * accepted whenever it comes, as a set of {@code have}s (its length and spare bits are checked
     * by the decoder).
     */
    void bitfield(PeerLink link, byte[] bits) {
        for (int i = 0; i < pieceCount; i++) {
            if ((bits[i >>> 3] & (0x80 >>> (i & 7))) != 0) {
                peerHas(link, i);
            }
        }
        update(link);
    }

    /** BEP 6 {@code have all}: the peer has every piece, as a full bitfield would say. */
    void haveAll(PeerLink link) {
        for (int i = 0; i < pieceCount; i++) {
            peerHas(link, i);
        }
        update(link);
    }

    /** We verified {@code piece}: peers that have it have one piece less for us. */
    void weHave(PeerLink link, int piece) {
        if (link.state().pieces.get(piece)) {
            link.state().interesting--;
        }
        update(link);
    }

    private void peerHas(PeerLink link, int piece) {
        PeerState peer = link.state();
        if (!peer.pieces.get(piece)) {
            peer.pieces.set(piece);
            picker.peerHas(piece);
            if (!state.has(piece)) {
                peer.interesting++;
            }
        }
    }

    private void update(PeerLink link) {
        PeerState peer = link.state();
        if (peer.interesting > 0 && !peer.amInterested) {
            peer.amInterested = true;
            link.send(Message.Interested.INSTANCE);
        } else if (peer.interesting == 0 && peer.amInterested) {
            peer.amInterested = false;
            link.send(Message.NotInterested.INSTANCE);
        }
        if (state.complete() && peer.pieces.cardinality() == pieceCount) {
            link.close(null); // two seeds have nothing to trade
        }
    }
}
