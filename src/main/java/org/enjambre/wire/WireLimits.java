package org.enjambre.wire;

/**
 * What the decoder accepts from one peer of one torrent. Every limit is named here and checked
 * as soon as a frame's 4-byte length and 1-byte id are known, before its body is buffered.
 *
 * @param pieceCount           pieces in the torrent
 * @param pieceLength          nominal piece length (the last piece may be shorter)
 * @param totalLength          total bytes of the torrent
 * @param maxBlockLength       longest block this side ever requests, hence the longest {@code piece}
 *                             payload it accepts
 * @param extensionsNegotiated both handshakes had the BEP 10 bit, so id 20 is allowed
 * @param fastNegotiated       both handshakes had the BEP 6 bit, so ids 13..17 are allowed
 */
public record WireLimits(int pieceCount, int pieceLength, long totalLength, int maxBlockLength,
                         boolean extensionsNegotiated, boolean fastNegotiated) {

    /** The block size we request (BEP 3 practice; every client serves it). */
    public static final int BLOCK_LENGTH = 16 * 1024;
    /** A request longer than this is refused (BEP 3: clients drop peers asking for more). */
    public static final int MAX_REQUEST_LENGTH = 128 * 1024;
    /** An extended message (extended handshake, ut_metadata piece, pex) is never longer than this. */
    public static final int MAX_EXTENDED_LENGTH = 256 * 1024;
    /** Hard cap on any frame, whatever the torrent: never buffer more for one message. */
    public static final int MAX_FRAME_LENGTH = 1024 * 1024 + 16;
    /** Most pieces a torrent may have: as many as one bitfield frame can describe. */
    public static final int MAX_PIECE_COUNT = (MAX_FRAME_LENGTH - 1) * 8;

    public WireLimits {
        if (pieceCount <= 0 || pieceLength <= 0 || totalLength <= 0 || maxBlockLength <= 0) {
            throw new IllegalArgumentException("limits must be positive");
        }
        if ((long) pieceCount * pieceLength < totalLength
                || (long) (pieceCount - 1) * pieceLength >= totalLength) {
            throw new IllegalArgumentException("piece count does not match length");
        }
        if (pieceCount > MAX_PIECE_COUNT) {
            throw new IllegalArgumentException("too many pieces for one bitfield frame: " + pieceCount);
        }
    }

    /** Limits without the fast extension (BEP 6). */
    public WireLimits(int pieceCount, int pieceLength, long totalLength, int maxBlockLength,
                      boolean extensionsNegotiated) {
        this(pieceCount, pieceLength, totalLength, maxBlockLength, extensionsNegotiated, false);
    }

    /** Limits for a torrent with the usual 16 KiB blocks, without the fast extension. */
    public static WireLimits of(int pieceCount, int pieceLength, long totalLength, boolean extensionsNegotiated) {
        return of(pieceCount, pieceLength, totalLength, extensionsNegotiated, false);
    }

    /** Limits for a torrent with the usual 16 KiB blocks. */
    public static WireLimits of(int pieceCount, int pieceLength, long totalLength, boolean extensionsNegotiated,
                                boolean fastNegotiated) {
        return new WireLimits(pieceCount, pieceLength, totalLength, BLOCK_LENGTH, extensionsNegotiated,
                fastNegotiated);
    }

    /** Length in bytes of piece {@code index} (the last one may be short). */
    public int pieceLength(int index) {
        if (index == pieceCount - 1) {
            return (int) (totalLength - (long) index * pieceLength);
        }
        return pieceLength;
    }

    /** Bytes of a bitfield for {@code pieces} pieces. */
    public static int bitfieldLength(int pieces) {
        return (pieces + 7) / 8;
    }

    /** This torrent's bitfield length. */
    public int bitfieldLength() {
        return bitfieldLength(pieceCount);
    }

    /** Refuses a bitfield of the wrong length or with bits set past the last piece. */
    public void checkBitfield(byte[] bits) throws WireException {
        if (bits.length != bitfieldLength()) {
            throw new WireException(WireException.Reason.BITFIELD_WRONG_LENGTH, bits.length + " bytes for "
                    + pieceCount + " pieces (want " + bitfieldLength() + ")");
        }
        int spare = bits.length * 8 - pieceCount;
        if (spare > 0 && (bits[bits.length - 1] & ((1 << spare) - 1)) != 0) {
            throw new WireException(WireException.Reason.BITFIELD_SPARE_BITS, "bits set past piece " + (pieceCount - 1));
        }
    }

    /** Refuses a have for a piece the torrent does not have. */
    public void checkHave(int index) throws WireException {
        if (index < 0 || index >= pieceCount) {
            throw new WireException(WireException.Reason.PIECE_INDEX_OUT_OF_RANGE, "have "
                    + Integer.toUnsignedString(index) + " of " + pieceCount + " pieces");
        }
    }
}
