package org.enjambre.swarm;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.enjambre.net.PeerAddress;
import org.enjambre.wire.Message;
import org.enjambre.wire.MessageEncoder;
import org.enjambre.wire.WireDecoder;
import org.enjambre.wire.WireException;
import org.enjambre.wire.WireLimits;

/** A peer connection without a socket: records every message sent, as the peer would decode it. */
final class FakeLink implements PeerLink {
    private final String name;
    private final PeerAddress remote;
    private final PeerState state;
    private final WireDecoder decoder;
    final List<Message> sent = new ArrayList<>();
    boolean closed;
    String closeReason;
    boolean writeQueueFull;
    /**
     * When positive, a socket that takes this many bytes before it reports full (as Netty's high
     * watermark does, counting pieces queued and not flushed yet); the peer takes them with
     * {@link #peerReads}.
     */
    long writeQueueLimit;
    /** Bytes written and not yet taken by the peer (see {@link #writeQueueLimit}). */
    long queuedBytes;
    /** Blocks queued since the last flush. */
    int unflushedBlocks;
    /** Blocks in each flush, in order. */
    final List<Integer> flushedBatches = new ArrayList<>();
    Runnable drain;
    boolean paused;
    /** When set, every message sent on any link sharing it, as "name message-type", in order. */
    List<String> journal;
    /** Called when the link is closed (the engine's close handler). */
    Runnable onClose = () -> {
    };

    FakeLink(String name, PeerAddress remote, int pieceCount, int pieceLength, long totalLength, long nowNanos) {
        this.name = name;
        this.remote = remote;
        this.state = new PeerState(pieceCount, nowNanos);
        this.decoder = WireDecoder.forMessages(WireLimits.of(pieceCount, pieceLength, totalLength, true, true));
        byte[] id = new byte[20];
        byte[] n = name.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        System.arraycopy(n, 0, id, 0, Math.min(20, n.length));
        state.peerId = id;
        state.stats = new PeerStats(org.enjambre.metainfo.InfoHash.of(id).hex(), name);
    }

    /** The peer has every piece. */
    FakeLink seed() {
        state.pieces.set(0, state.pieces.size());
        return this;
    }

    FakeLink has(int... pieces) {
        for (int p : pieces) {
            state.pieces.set(p);
        }
        return this;
    }

    /** The peer unchoked us and we are interested in it: requests may go out. */
    FakeLink unchokingUs() {
        state.peerChoking = false;
        state.amInterested = true;
        return this;
    }

    <T extends Message> List<T> sent(Class<T> type) {
        return sent.stream().filter(type::isInstance).map(type::cast).toList();
    }

    void clearSent() {
        sent.clear();
    }

    @Override
    public String address() {
        return name;
    }

    @Override
    public PeerAddress remote() {
        return remote;
    }

    @Override
    public boolean incoming() {
        return false;
    }

    @Override
    public PeerState state() {
        return state;
    }

    @Override
    public void send(Message message) {
        send(MessageEncoder.encode(message));
    }

    @Override
    public void send(Buffer bytes) {
        if (closed) {
            return;
        }
        decoder.feed(bytes);
        try {
            Object item;
            while ((item = decoder.next()) != null) {
                sent.add((Message) item);
                if (journal != null) {
                    journal.add(name + " " + item.getClass().getSimpleName());
                }
            }
        } catch (WireException e) {
            throw new AssertionError("the engine sent bytes a peer cannot decode", e);
        }
    }

    /** How many request batches (writes of requests) were sent. */
    int requestBatches;

    @Override
    public void sendRequests(Buffer batch, int count) {
        requestBatches++;
        send(batch);
    }

    /** The piece is recorded at once (the wire order is the order of the calls); it counts as written at the next flush. */
    @Override
    public void queuePiece(int index, int begin, ByteBuf block) {
        try {
            if (closed) {
                return;
            }
            Buffer frame = Buffer.buffer(MessageEncoder.PIECE_HEADER_LENGTH + block.readableBytes())
                    .appendInt(9 + block.readableBytes()).appendByte((byte) Message.PIECE).appendInt(index)
                    .appendInt(begin).appendBytes(ByteBufUtil.getBytes(block));
            queuedBytes += frame.length();
            unflushedBlocks++;
            send(frame);
        } finally {
            block.release();
        }
    }

    @Override
    public void flush() {
        if (unflushedBlocks > 0) {
            flushedBatches.add(unflushedBlocks);
            unflushedBlocks = 0;
        }
    }

    /** The peer reads {@code bytes} of what was written; below half the limit the drain action runs. */
    void peerReads(long bytes) {
        queuedBytes = Math.max(0, queuedBytes - bytes);
        if (writeQueueLimit > 0 && queuedBytes <= writeQueueLimit / 2) {
            drained();
        }
    }

    @Override
    public void close(String reason) {
        if (!closed) {
            closed = true;
            closeReason = reason;
            onClose.run();
        }
    }

    @Override
    public boolean closed() {
        return closed;
    }

    @Override
    public boolean writeQueueFull() {
        return writeQueueFull || (writeQueueLimit > 0 && queuedBytes > writeQueueLimit);
    }

    @Override
    public void onDrain(Runnable action) {
        drain = action;
    }

    /** The socket drained: runs the drain action once. */
    void drained() {
        writeQueueFull = false;
        Runnable d = drain;
        drain = null;
        if (d != null) {
            d.run();
        }
    }

    @Override
    public void pauseReading() {
        paused = true;
    }

    @Override
    public void resumeReading() {
        paused = false;
    }

    @Override
    public String toString() {
        return name;
    }
}
