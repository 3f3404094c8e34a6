package org.enjambre.wire;

import java.util.BitSet;
import java.util.Optional;

/**
 * What a peer said it has while the torrent's metadata was not known yet (a magnet link): its bitfield
 * kept raw and the indices of its {@code have}s, held until the info dictionary arrives and then
 * checked against the torrent, as the decoder checks them when the torrent is known from the start.
 * Bounded: a bitfield is one frame, and haves are one bit each up to {@link WireLimits#MAX_PIECE_COUNT}.
 *
 * <p>Not thread-safe: one per connection, used from that connection's thread.
 */
public final class PendingAvailability {
    private byte[] bitfield;
    private final BitSet haves = new BitSet();
    /** A BEP 6 {@code have all} came: the peer has every piece, however many there are. */
    private boolean all;

    /** Keeps a bitfield as it came (a later one replaces it, as it would replace the peer's pieces). */
    public void bitfield(Message.Bitfield message) {
        bitfield = message.bits().clone();
    }

    /** Keeps a have; its index was bounded by the decoder, it is checked against the torrent later. */
    public void have(Message.Have message) {
        haves.set(message.index());
    }

    /** Keeps a BEP 6 {@code have all}: every piece, once the torrent says how many. */
    public void haveAll() {
        all = true;
    }

    /** Was anything kept? */
    public boolean isEmpty() {
        return bitfield == null && haves.isEmpty() && !all;
    }

    /**
     * The pieces the peer has, once the torrent is known: the bitfield's bits and every have.
     *
     * @throws WireException when the bitfield has the wrong length or spare bits set, or a have names
     *                       a piece past the last one; the connection must be closed as if the message
     *                       had just come
     */
    public BitSet resolve(WireLimits limits) throws WireException {
        BitSet pieces = new BitSet(limits.pieceCount());
        if (all) {
            pieces.set(0, limits.pieceCount());
        }
        if (bitfield != null) {
            limits.checkBitfield(bitfield);
            for (int i = 0; i < limits.pieceCount(); i++) {
                if ((bitfield[i >>> 3] & (0x80 >>> (i & 7))) != 0) {
                    pieces.set(i);
                }
            }
        }
        int highest = haves.length() - 1;
        if (highest >= 0) {
            limits.checkHave(highest);
        }
        pieces.or(haves);
        return pieces;
    }

    /** The raw bitfield, if one came. */
    public Optional<byte[]> rawBitfield() {
        return Optional.ofNullable(bitfield).map(byte[]::clone);
    }
}
