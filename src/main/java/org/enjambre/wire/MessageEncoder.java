package org.enjambre.wire;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;

/** Writes messages as length-prefixed frames. Pure: one message in, its bytes out. */
public final class MessageEncoder {
    /** Length prefix, id, index and begin: what precedes a piece message's block. */
    public static final int PIECE_HEADER_LENGTH = 13;

    private MessageEncoder() {
    }

    public static Buffer encode(Message message) {
        if (message instanceof Message.KeepAlive) {
            return Buffer.buffer(4).appendInt(0);
        } else if (message instanceof Message.Choke) {
            return empty(Message.CHOKE);
        } else if (message instanceof Message.Unchoke) {
            return empty(Message.UNCHOKE);
        } else if (message instanceof Message.Interested) {
            return empty(Message.INTERESTED);
        } else if (message instanceof Message.NotInterested) {
            return empty(Message.NOT_INTERESTED);
        } else if (message instanceof Message.Have have) {
            return Buffer.buffer(9).appendInt(5).appendByte((byte) Message.HAVE).appendInt(have.index());
        } else if (message instanceof Message.Bitfield bitfield) {
            byte[] bits = bitfield.bits();
            return Buffer.buffer(5 + bits.length).appendInt(1 + bits.length)
                    .appendByte((byte) Message.BITFIELD).appendBytes(bits);
        } else if (message instanceof Message.Request r) {
            return triple(Message.REQUEST, r.index(), r.begin(), r.length());
        } else if (message instanceof Message.Piece piece) {
            int length = piece.length();
            return Buffer.buffer(13 + length).appendInt(9 + length)
                    .appendByte((byte) Message.PIECE).appendInt(piece.index()).appendInt(piece.begin())
                    .appendBytes(piece.block());
        } else if (message instanceof Message.Cancel c) {
            return triple(Message.CANCEL, c.index(), c.begin(), c.length());
        } else if (message instanceof Message.Port port) {
            return Buffer.buffer(7).appendInt(3).appendByte((byte) Message.PORT)
                    .appendUnsignedShort(port.port());
        } else if (message instanceof Message.SuggestPiece suggest) {
            return Buffer.buffer(9).appendInt(5).appendByte((byte) Message.SUGGEST_PIECE).appendInt(suggest.index());
        } else if (message instanceof Message.HaveAll) {
            return empty(Message.HAVE_ALL);
        } else if (message instanceof Message.HaveNone) {
            return empty(Message.HAVE_NONE);
        } else if (message instanceof Message.RejectRequest r) {
            return triple(Message.REJECT_REQUEST, r.index(), r.begin(), r.length());
        } else if (message instanceof Message.AllowedFast allowed) {
            return Buffer.buffer(9).appendInt(5).appendByte((byte) Message.ALLOWED_FAST).appendInt(allowed.index());
        } else if (message instanceof Message.Extended e) {
            return Buffer.buffer(6 + e.payload().length).appendInt(2 + e.payload().length)
                    .appendByte((byte) Message.EXTENDED).appendByte((byte) e.extendedId())
                    .appendBytes(e.payload());
        }
        throw new IllegalArgumentException("unknown message " + message);
    }

    /**
     * Writes the 13-byte header of a piece message into {@code out}, for a writer that sends the
     * block itself from where it already is (a slice of a piece read for upload), uncopied.
     */
    public static void writePieceHeader(ByteBuf out, int index, int begin, int blockLength) {
        out.writeInt(9 + blockLength).writeByte(Message.PIECE).writeInt(index).writeInt(begin);
    }

    /** Bytes of a request frame on the wire: length, id and three numbers. */
    public static final int REQUEST_FRAME_LENGTH = 17;

    /**
     * Appends a request frame to {@code batch}, for a sender that puts many requests in one write
     * without a buffer per request.
     */
    public static Buffer appendRequest(Buffer batch, int index, int begin, int length) {
        return batch.appendInt(13).appendByte((byte) Message.REQUEST).appendInt(index).appendInt(begin).appendInt(length);
    }

    private static Buffer empty(int id) {
        return Buffer.buffer(5).appendInt(1).appendByte((byte) id);
    }

    private static Buffer triple(int id, int a, int b, int c) {
        return Buffer.buffer(17).appendInt(13).appendByte((byte) id).appendInt(a).appendInt(b).appendInt(c);
    }
}
