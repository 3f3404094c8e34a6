package org.enjambre.wire;

/**
 * A peer broke the wire protocol. The connection that produced it must be closed (one log line);
 * nothing else is affected. {@link #reason()} says which rule was broken, for logs and tests.
 */
public final class WireException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Every rule the decoder enforces. */
    public enum Reason {
        /** The handshake does not start with {@code \x13BitTorrent protocol}. */
        BAD_PROTOCOL,
        /** A frame declares more bytes than any allowed message of its kind may have. */
        MESSAGE_TOO_LONG,
        /** A fixed-size message (have, request, ...) has the wrong payload length. */
        BAD_PAYLOAD_LENGTH,
        /** A message id that is neither BEP 3 nor a negotiated extension. */
        UNKNOWN_MESSAGE_ID,
        /** An extended message (BEP 10, id 20) from a peer that did not advertise BEP 10. */
        EXTENSION_NOT_NEGOTIATED,
        /** A BEP 6 fast-extension message (ids 13..17) when the two handshakes did not both set its bit. */
        FAST_EXTENSION_NOT_NEGOTIATED,
        /** A request longer than {@link WireLimits#MAX_REQUEST_LENGTH}. */
        REQUEST_TOO_LONG,
        /** A request, cancel or piece that lies outside the torrent's pieces. */
        BLOCK_OUT_OF_RANGE,
        /** A have for a piece index the torrent does not have. */
        PIECE_INDEX_OUT_OF_RANGE,
        /** A bitfield whose length is not ceil(pieces / 8). */
        BITFIELD_WRONG_LENGTH,
        /** A bitfield with bits set past the last piece. */
        BITFIELD_SPARE_BITS,
        /**
         * An encrypted greeting (Message Stream Encryption) we cannot answer: no synchronisation
         * within its padding, a torrent we don't have, a bad verification constant, or an offer of
         * RC4 only.
         */
        ENCRYPTED_HANDSHAKE,
    }

    private final Reason reason;

    public WireException(Reason reason, String detail) {
        super(reason.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ": " + detail);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
