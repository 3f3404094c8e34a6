package org.enjambre.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One BEP 3 peer wire message, plus the BEP 6 fast-extension messages and the BEP 10 extended
 * envelope. Each record is a value: the encoder writes it, the decoder produces it, the swarm
 * switches on it.
 */
public sealed interface Message {

    /** Message ids as on the wire. Keep-alive has none (a zero-length frame). */
    int CHOKE = 0;
    int UNCHOKE = 1;
    int INTERESTED = 2;
    int NOT_INTERESTED = 3;
    int HAVE = 4;
    int BITFIELD = 5;
    int REQUEST = 6;
    int PIECE = 7;
    int CANCEL = 8;
    int PORT = 9;
    /** BEP 6 (fast extension) ids, allowed only when both handshakes set its bit. */
    int SUGGEST_PIECE = 13;
    int HAVE_ALL = 14;
    int HAVE_NONE = 15;
    int REJECT_REQUEST = 16;
    int ALLOWED_FAST = 17;
    int EXTENDED = 20;

    /** A zero-length frame that only says "still here". */
    record KeepAlive() implements Message {
        public static final KeepAlive INSTANCE = new KeepAlive();
    }

    record Choke() implements Message {
        public static final Choke INSTANCE = new Choke();
    }

    record Unchoke() implements Message {
        public static final Unchoke INSTANCE = new Unchoke();
    }

    record Interested() implements Message {
        public static final Interested INSTANCE = new Interested();
    }

    record NotInterested() implements Message {
        public static final NotInterested INSTANCE = new NotInterested();
    }

    /** The sender has verified piece {@code index}. */
    record Have(int index) implements Message {
    }

    /**
     * The sender's pieces, high bit of byte 0 = piece 0. The array is owned by the record; callers
     * must not change it after construction.
     */
    record Bitfield(byte[] bits) implements Message {
        @Override
        public boolean equals(Object o) {
            return o instanceof Bitfield b && Arrays.equals(bits, b.bits);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bits);
        }

        @Override
        public String toString() {
            return "Bitfield[" + bits.length + " bytes]";
        }
    }

    /** Asks for {@code length} bytes of piece {@code index} from offset {@code begin}. */
    record Request(int index, int begin, int length) implements Message {
    }

    /**
     * A block of data: {@code data}'s readable bytes are bytes {@code begin..begin+length()} of piece
     * {@code index}. From the decoder, {@code data} is a reference to the memory the block was read
     * into (no copy made): whoever takes the piece from the decoder releases it once handled, and a
     * receiver that keeps the bytes copies them ({@link #copyTo}) before that.
     */
    record Piece(int index, int begin, ByteBuf data) implements Message {
        /** A piece of the given bytes (not copied; the record owns the array). */
        public Piece(int index, int begin, byte[] block) {
            this(index, begin, Unpooled.wrappedBuffer(block));
        }

        /** The block's length in bytes. */
        public int length() {
            return data.readableBytes();
        }

        /** A copy of the block's bytes. */
        public byte[] block() {
            return ByteBufUtil.getBytes(data);
        }

        /** Copies the block into {@code into} from index {@code at}, leaving its position and limit. */
        public void copyTo(ByteBuffer into, int at) {
            data.getBytes(data.readerIndex(), into.duplicate().limit(at + length()).position(at));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Piece p && p.index == index && p.begin == begin && ByteBufUtil.equals(data, p.data);
        }

        @Override
        public int hashCode() {
            return (31 * index + begin) * 31 + ByteBufUtil.hashCode(data);
        }

        @Override
        public String toString() {
            return "Piece[index=" + index + ", begin=" + begin + ", length=" + length() + "]";
        }
    }

    /** Withdraws an earlier request with the same three numbers. */
    record Cancel(int index, int begin, int length) implements Message {
    }

    /** The sender's DHT port (BEP 5 uses it; BEP 3 lists it). */
    record Port(int port) implements Message {
    }

    /**
     * A BEP 10 extended message: {@code extendedId} 0 is the extended handshake, others are the ids
     * the receiver assigned in its own handshake. The payload is kept raw (bencode and more).
     */
    record Extended(int extendedId, byte[] payload) implements Message {
        @Override
        public boolean equals(Object o) {
            return o instanceof Extended e && e.extendedId == extendedId && Arrays.equals(payload, e.payload);
        }

        @Override
        public int hashCode() {
            return 31 * extendedId + Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return "Extended[id=" + extendedId + ", " + payload.length + " bytes]";
        }
    }

    /** BEP 6: the sender suggests downloading piece {@code index} (a hint; we may ignore it). */
    record SuggestPiece(int index) implements Message {
    }

    /** BEP 6: instead of a bitfield, the sender has every piece. */
    record HaveAll() implements Message {
        public static final HaveAll INSTANCE = new HaveAll();
    }

    /** BEP 6: instead of a bitfield, the sender has no piece. */
    record HaveNone() implements Message {
        public static final HaveNone INSTANCE = new HaveNone();
    }

    /** BEP 6: the request with the same three numbers will not be served; ask someone else. */
    record RejectRequest(int index, int begin, int length) implements Message {
    }

    /** BEP 6: the receiver may request piece {@code index} from the sender even while choked. */
    record AllowedFast(int index) implements Message {
    }
}
