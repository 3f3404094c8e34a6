package org.enjambre.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import org.enjambre.wire.WireException.Reason;

/**
 * Frames one peer's TCP byte stream into a {@link Handshake} and then {@link Message}s, whatever
 * way the stream was cut into reads (a message split over many reads, many messages in one read).
 *
 * <p>Pull style, so that the caller decides when to go on: {@link #feed} the bytes of each read, then
 * call {@link #next} until it returns {@code null} (needs more bytes). After the handshake the caller
 * must give the torrent's {@link WireLimits} with {@link #limits(WireLimits)} before asking for the
 * next message: an incoming connection only knows its torrent once the handshake names it, and bytes
 * that came in the same read must be judged against that torrent.
 *
 * <p>Every limit is checked as soon as a frame's length and id are known (5 bytes), so a hostile
 * length never makes the decoder wait for, or buffer, more than the protocol allows. Messages
 * themselves are validated against the torrent (indexes, offsets, lengths, spare bits).
 *
 * <p>BEP 10 (id 20) is accepted only when both handshakes set the extension bit
 * ({@link WireLimits#extensionsNegotiated()}), and BEP 6 fast-extension ids (13..17) only when both set
 * the fast bit ({@link WireLimits#fastNegotiated()}): a peer that sends them anyway is not speaking to
 * us. Any other id is refused. {@code port} (id 9) is accepted from anyone: BEP 3 lists it and clients send it
 * freely; we ignore its content.
 *
 * <p>Before a magnet's metadata is known the decoder runs with {@link #beforeMetadata(boolean)}: a
 * bitfield and {@code have}s are passed on as they came, bounded only by the frame limit, for the caller
 * to keep (see {@link PendingAvailability}) and check once {@link #limits(WireLimits)} gives the torrent;
 * a request, cancel, piece or reject is refused, since we have nothing to serve and asked for nothing yet.
 *
 * <p>A block is not copied by the decoder when the reads come as Netty buffers ({@link #feed(ByteBuf)}):
 * a {@link Message.Piece} holds a retained slice of the read it came in, or, for a frame that spans
 * reads, slices of each read, gathered once its 13-byte header is in (and checked). Whoever takes a
 * piece from {@link #next} releases its {@link Message.Piece#data() data}; the receiver makes the one
 * copy, into wherever the block is kept. Reads fed as {@link Buffer}s give pieces with a copy of their
 * bytes. A caller that feeds pooled reads calls {@link #detach()} before giving a read back, and
 * {@link #release()} when the connection ends.
 *
 * <p>Not thread-safe: one decoder per connection, used from that connection's thread.
 */
public final class WireDecoder {
    /** First size of the decoder's own buffer, once a frame spans reads. */
    private static final int MIN_OWN_BUFFER = 4096;
    private static final Buffer NOTHING = Buffer.buffer(0);

    private Buffer pending = Buffer.buffer();
    private int position;
    /** Whether {@link #pending} is the decoder's own growable buffer, not a caller's read. */
    private boolean owned;
    private boolean handshakeSeen;
    private WireLimits limits;
    /** Set while the metadata is unknown: {@link #limits} is null and only this is known. */
    private Boolean extensionsBeforeMetadata;
    /** Whether both handshakes set the BEP 6 bit, while the metadata is unknown. */
    private boolean fastBeforeMetadata;
    /** The Netty read behind {@link #pending} while it is not owned and not detached, else null. */
    private ByteBuf read;
    /** The block of a piece frame being gathered from the reads (null when none), and its place. */
    private CompositeByteBuf partialBlock;
    private int partialIndex;
    private int partialBegin;
    private int partialLength;
    /**
     * Slices a block spanning reads may be gathered from before they are merged into one buffer:
     * a peer that sends a block a byte per read costs a merge every few bytes, not a list of
     * thousands of slices.
     */
    private static final int MAX_BLOCK_PARTS = 16;

    /** A decoder that expects a handshake first. */
    public static WireDecoder expectingHandshake() {
        return new WireDecoder(false, null);
    }

    /** A decoder for a stream whose handshake was already consumed elsewhere. */
    public static WireDecoder forMessages(WireLimits limits) {
        return new WireDecoder(true, limits);
    }

    private WireDecoder(boolean handshakeSeen, WireLimits limits) {
        this.handshakeSeen = handshakeSeen;
        this.limits = limits;
    }

    /**
     * Sets the torrent's limits; required after the handshake before the first message (or
     * {@link #beforeMetadata}). From here on every message is checked against the torrent.
     */
    public void limits(WireLimits limits) {
        this.limits = limits;
        this.extensionsBeforeMetadata = null;
    }

    /**
     * Reads messages of a torrent whose metadata is not known yet (a magnet link), until
     * {@link #limits(WireLimits)} is called.
     *
     * @param extensionsNegotiated both handshakes had the BEP 10 bit, so id 20 is allowed
     */
    public void beforeMetadata(boolean extensionsNegotiated) {
        beforeMetadata(extensionsNegotiated, false);
    }

    /**
     * As {@link #beforeMetadata(boolean)}, for a peer that may also speak the fast extension.
     *
     * @param fastNegotiated both handshakes had the BEP 6 bit, so ids 13..17 are allowed
     */
    public void beforeMetadata(boolean extensionsNegotiated, boolean fastNegotiated) {
        this.limits = null;
        this.extensionsBeforeMetadata = extensionsNegotiated;
        this.fastBeforeMetadata = fastNegotiated;
    }

    /**
     * Appends the bytes of one Netty read (its readable bytes from index 0). The caller keeps its
     * reference and releases it after {@link #detach()}; pieces decoded from it hold their own.
     */
    public void feed(ByteBuf data) {
        if (data.readerIndex() != 0) {
            data = data.slice(); // Vert.x's Buffer view indexes from 0
        }
        boolean replaced = append(BufferInternal.buffer(data));
        read = replaced ? data : null;
    }

    /** Appends the bytes of one read. The decoder takes ownership of {@code data}. */
    public void feed(Buffer data) {
        append(data);
        read = null;
    }

    /** Whether {@code data} became {@link #pending} itself (nothing was waiting), not copied into it. */
    private boolean append(Buffer data) {
        int remaining = pending.length() - position;
        if (remaining == 0) {
            // The usual case, whole frames per read: no copy at all.
            pending = data;
            position = 0;
            owned = false;
            return true;
        }
        if (!owned || position > pending.length() / 2) {
            // Into a buffer of our own that grows by doubling, and dropping what was consumed only
            // once it is most of the buffer: a frame dripped in one byte per read costs linear
            // copying, not a copy of everything buffered on every read (quadratic, a CPU attack).
            Buffer own = Buffer.buffer(Math.max(2 * (remaining + data.length()), MIN_OWN_BUFFER));
            own.appendBuffer(pending, position, remaining);
            pending = own;
            position = 0;
            owned = true;
        }
        pending.appendBuffer(data);
        return false;
    }

    /** Bytes fed but not yet consumed by a returned value. */
    public int buffered() {
        int partial = partialBlock == null ? 0 : PIECE_HEADER + partialBlock.readableBytes();
        return pending.length() - position + partial;
    }

    /** The connection is over: lets go of the reads a block being gathered holds. */
    public void release() {
        if (partialBlock != null) {
            partialBlock.release();
            partialBlock = null;
        }
        read = null;
    }

    /**
     * Stops referring to the memory of the reads fed so far: bytes still waiting (the start of a
     * frame) are copied into the decoder's own buffer. Call it before the memory of a read is
     * reused or returned to a pool.
     */
    public void detach() {
        read = null;
        int remaining = pending.length() - position;
        if (owned) {
            return;
        }
        position = 0;
        if (remaining == 0) {
            pending = NOTHING; // never appended to: feed() replaces it
            return;
        }
        Buffer own = Buffer.buffer(Math.max(2 * remaining, MIN_OWN_BUFFER));
        own.appendBuffer(pending, pending.length() - remaining, remaining);
        pending = own;
        owned = true;
    }

    /**
     * The next handshake or message, or {@code null} when more bytes are needed.
     *
     * @throws WireException when the peer broke the protocol; the connection must be closed
     */
    public Object next() throws WireException {
        int available = pending.length() - position;
        if (!handshakeSeen) {
            int check = Math.min(available, Handshake.PROTOCOL.length);
            for (int i = 0; i < check; i++) {
                if (pending.getByte(position + i) != Handshake.PROTOCOL[i]) {
                    throw new WireException(Reason.BAD_PROTOCOL, "not a BitTorrent handshake (byte " + i + ")");
                }
            }
            if (available < Handshake.LENGTH) {
                return null;
            }
            Handshake handshake = Handshake.decode(pending, position);
            position += Handshake.LENGTH;
            handshakeSeen = true;
            return handshake;
        }
        if (limits == null && extensionsBeforeMetadata == null) {
            throw new IllegalStateException("limits(...) or beforeMetadata(...) must be set after the handshake");
        }
        if (partialBlock != null) {
            return fillPartialBlock(available);
        }
        if (available < 4) {
            return null;
        }
        int length = pending.getInt(position);
        if (length < 0 || length > WireLimits.MAX_FRAME_LENGTH) {
            throw new WireException(Reason.MESSAGE_TOO_LONG, "frame of " + Integer.toUnsignedString(length)
                    + " bytes exceeds " + WireLimits.MAX_FRAME_LENGTH);
        }
        if (length == 0) {
            position += 4;
            return Message.KeepAlive.INSTANCE;
        }
        if (available < 5) {
            return null;
        }
        int id = pending.getUnsignedByte(position + 4);
        checkHeader(id, length);
        if (available < 4 + length) {
            if (id == Message.PIECE && available >= PIECE_HEADER) {
                startPartialBlock(length);
            }
            return null;
        }
        int body = position + 5;
        position += 4 + length;
        return decodeBody(id, body, length - 1);
    }

    /** Length, id, index and begin of a piece frame. */
    private static final int PIECE_HEADER = 13;

    /** A piece frame's header is in but not its whole block: the block is filled from here on. */
    private void startPartialBlock(int length) throws WireException {
        int index = pending.getInt(position + 5);
        int begin = pending.getInt(position + 9);
        int blockLength = length - 9;
        checkBlock(index, begin, blockLength);
        partialBlock = Unpooled.compositeBuffer(MAX_BLOCK_PARTS);
        partialIndex = index;
        partialBegin = begin;
        partialLength = blockLength;
        position += PIECE_HEADER;
        fillPartialBlock(pending.length() - position);
    }

    /** Adds what the reads hold of the block being gathered; the piece once it is whole. */
    private Message fillPartialBlock(int available) {
        int take = Math.min(available, partialLength - partialBlock.readableBytes());
        if (take > 0) {
            partialBlock.addComponent(true, slice(position, take));
            position += take;
        }
        if (partialBlock.readableBytes() < partialLength) {
            return null;
        }
        Message.Piece piece = new Message.Piece(partialIndex, partialBegin, partialBlock);
        partialBlock = null;
        return piece;
    }

    /**
     * {@code length} bytes of {@link #pending} from {@code at}, as a buffer of their own: a retained
     * slice of the Netty read they are in, or a copy when the decoder's own buffer holds them.
     */
    private ByteBuf slice(int at, int length) {
        return read != null ? read.retainedSlice(at, length) : Unpooled.wrappedBuffer(pending.getBytes(at, at + length));
    }

    private void checkHeader(int id, int length) throws WireException {
        if (limits == null && (id == Message.REQUEST || id == Message.CANCEL || id == Message.PIECE
                || id == Message.REJECT_REQUEST)) {
            throw new WireException(Reason.BLOCK_OUT_OF_RANGE, "message id " + id
                    + " before the torrent's metadata is known");
        }
        switch (id) {
            case Message.CHOKE, Message.UNCHOKE, Message.INTERESTED, Message.NOT_INTERESTED ->
                    expectLength(id, length, 1);
            case Message.HAVE -> expectLength(id, length, 5);
            case Message.REQUEST, Message.CANCEL -> expectLength(id, length, 13);
            case Message.PORT -> expectLength(id, length, 3);
            case Message.BITFIELD -> {
                if (limits == null) {
                    if (length < 2) {
                        throw new WireException(Reason.BITFIELD_WRONG_LENGTH, "empty bitfield");
                    }
                } else if (length - 1 != limits.bitfieldLength()) {
                    throw new WireException(Reason.BITFIELD_WRONG_LENGTH, (length - 1) + " bytes for "
                            + limits.pieceCount() + " pieces (want " + limits.bitfieldLength() + ")");
                }
            }
            case Message.PIECE -> {
                if (length < 10) {
                    throw new WireException(Reason.BAD_PAYLOAD_LENGTH, "piece message of length " + length);
                }
                if (length - 9 > limits.maxBlockLength()) {
                    throw new WireException(Reason.MESSAGE_TOO_LONG, "block of " + (length - 9)
                            + " bytes exceeds the " + limits.maxBlockLength() + " we request");
                }
            }
            case Message.SUGGEST_PIECE, Message.HAVE_ALL, Message.HAVE_NONE, Message.REJECT_REQUEST,
                 Message.ALLOWED_FAST -> {
                if (!(limits == null ? fastBeforeMetadata : limits.fastNegotiated())) {
                    throw new WireException(Reason.FAST_EXTENSION_NOT_NEGOTIATED, "message id " + id
                            + " without BEP 6 in both handshakes");
                }
                expectLength(id, length, switch (id) {
                    case Message.HAVE_ALL, Message.HAVE_NONE -> 1;
                    case Message.REJECT_REQUEST -> 13;
                    default -> 5;
                });
            }
            case Message.EXTENDED -> {
                if (!(limits == null ? extensionsBeforeMetadata : limits.extensionsNegotiated())) {
                    throw new WireException(Reason.EXTENSION_NOT_NEGOTIATED,
                            "extended message without BEP 10 in both handshakes");
                }
                if (length < 2) {
                    throw new WireException(Reason.BAD_PAYLOAD_LENGTH, "extended message of length " + length);
                }
                if (length - 2 > WireLimits.MAX_EXTENDED_LENGTH) {
                    throw new WireException(Reason.MESSAGE_TOO_LONG, "extended message of " + (length - 2)
                            + " bytes exceeds " + WireLimits.MAX_EXTENDED_LENGTH);
                }
            }
            default -> throw new WireException(Reason.UNKNOWN_MESSAGE_ID, "message id " + id);
        }
    }

    private static void expectLength(int id, int length, int expected) throws WireException {
        if (length != expected) {
            throw new WireException(Reason.BAD_PAYLOAD_LENGTH,
                    "message id " + id + " has length " + length + ", want " + expected);
        }
    }

    private Message decodeBody(int id, int at, int size) throws WireException {
        switch (id) {
            case Message.CHOKE:
                return Message.Choke.INSTANCE;
            case Message.UNCHOKE:
                return Message.Unchoke.INSTANCE;
            case Message.INTERESTED:
                return Message.Interested.INSTANCE;
            case Message.NOT_INTERESTED:
                return Message.NotInterested.INSTANCE;
            case Message.HAVE:
                return new Message.Have(pieceIndex(at));
            case Message.SUGGEST_PIECE:
                return new Message.SuggestPiece(pieceIndex(at));
            case Message.ALLOWED_FAST:
                return new Message.AllowedFast(pieceIndex(at));
            case Message.HAVE_ALL:
                return Message.HaveAll.INSTANCE;
            case Message.HAVE_NONE:
                return Message.HaveNone.INSTANCE;
            case Message.BITFIELD: {
                byte[] bits = pending.getBytes(at, at + size);
                if (limits != null) {
                    limits.checkBitfield(bits);
                }
                return new Message.Bitfield(bits);
            }
            case Message.REQUEST:
            case Message.CANCEL:
            case Message.REJECT_REQUEST: {
                int index = pending.getInt(at);
                int begin = pending.getInt(at + 4);
                int length = pending.getInt(at + 8);
                if (length > WireLimits.MAX_REQUEST_LENGTH || length < 0) {
                    throw new WireException(Reason.REQUEST_TOO_LONG, "request of "
                            + Integer.toUnsignedString(length) + " bytes exceeds " + WireLimits.MAX_REQUEST_LENGTH);
                }
                checkBlock(index, begin, length);
                return switch (id) {
                    case Message.REQUEST -> new Message.Request(index, begin, length);
                    case Message.CANCEL -> new Message.Cancel(index, begin, length);
                    default -> new Message.RejectRequest(index, begin, length);
                };
            }
            case Message.PIECE: {
                int index = pending.getInt(at);
                int begin = pending.getInt(at + 4);
                int length = size - 8;
                checkBlock(index, begin, length);
                return new Message.Piece(index, begin, slice(at + 8, length));
            }
            case Message.PORT:
                return new Message.Port(pending.getUnsignedShort(at));
            case Message.EXTENDED:
                return new Message.Extended(pending.getUnsignedByte(at), pending.getBytes(at + 1, at + size));
            default:
                throw new IllegalStateException("id " + id + " passed checkHeader");
        }
    }

    /** A piece index ({@code have}, {@code suggest}, {@code allowed fast}): in the torrent, or bounded before it is known. */
    private int pieceIndex(int at) throws WireException {
        int index = pending.getInt(at);
        if (limits != null) {
            limits.checkHave(index);
        } else if (index < 0 || index >= WireLimits.MAX_PIECE_COUNT) {
            throw new WireException(Reason.PIECE_INDEX_OUT_OF_RANGE, "piece " + Integer.toUnsignedString(index)
                    + " past the most pieces any torrent may have");
        }
        return index;
    }

    private void checkBlock(int index, int begin, int length) throws WireException {
        if (index < 0 || index >= limits.pieceCount() || begin < 0 || length <= 0
                || (long) begin + length > limits.pieceLength(index)) {
            throw new WireException(Reason.BLOCK_OUT_OF_RANGE, "block " + Integer.toUnsignedString(index) + "/"
                    + Integer.toUnsignedString(begin) + "/" + Integer.toUnsignedString(length) + " outside "
                    + limits.pieceCount() + " pieces of " + limits.pieceLength());
        }
    }
}
