package org.enjambre.swarm;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.VoidChannelPromise;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import org.enjambre.net.PeerAddress;
import org.enjambre.wire.Handshake;
import org.enjambre.wire.Message;
import org.enjambre.wire.MessageEncoder;
import org.enjambre.wire.WireDecoder;
import org.enjambre.wire.WireException;

/**
 * One peer connection of one torrent over a {@link NetSocket}: feeds what it reads through the
 * decoder to the engine, sends what the components give it, keeps the connection alive (keep-alives,
 * closing a silent peer) and applies the download limit by pausing reads. The peer's state lives in its {@link PeerState}; decisions are the
 * components'. Used only on the engine's context.
 */
final class PeerConnection implements PeerLink {
    /**
     * Bytes queued for the socket (written, not yet taken by the kernel) past which
     * {@link #writeQueueFull} says stop; sending resumes once half of it is gone. Netty's default
     * (64 KiB) held 4 blocks, so a seeder serving a deep request queue wrote a few blocks per
     * system call; 1 MiB lets one batch carry 64 blocks while a peer that stops reading pins at
     * most this much (plus one block) of our memory.
     */
    static final int WRITE_QUEUE_BYTES = 1024 * 1024;

    /** The most one read takes from a peer whose downloads are rate limited (see {@link #throttle}). */
    static final int LIMITED_READ_BYTES = 16 * 1024;

    private final ConnectionEvents engine;
    private final NetSocket socket;
    /** The socket's Netty end: blocks are written here and flushed once per batch (see {@link #queuePiece}). */
    private final ChannelHandlerContext channel;
    /** Writes whose failure needs no answer (the socket's close handler reports it). */
    private final VoidChannelPromise voidPromise;
    /** Pieces or messages were queued since the last flush. */
    private boolean unflushed;
    /** A read is being handed to the engine: a flush waits for its end (see {@link #flush}). */
    private boolean reading;
    /** The engine's context, where a drain action runs. */
    private final ContextInternal context;
    /** Runs once the channel is writable again (see {@link #onDrain}). */
    private Runnable drainAction;
    final WireDecoder decoder;
    private final boolean incoming;
    private final String address;
    private final PeerAddress remote;
    private final EngineClock clock;
    private final PeerState state;
    private final RateLimiter downloadLimiter;
    /** Null unless the wire timeline is on (a debugging aid, off by default). */
    private final WireTimeline timeline;

    /** The handshake was accepted and the engine counts this connection. */
    boolean registered;
    private boolean closed;
    private long lastReceivedNanos;
    private long lastSentNanos;
    /** Reading paused by the download rate limit. */
    private boolean readPaused;

    /** @param remote the address dialled, or the incoming socket's remote address (null if unknown) */
    PeerConnection(ConnectionEvents engine, NetSocket socket, WireDecoder decoder, boolean incoming, PeerAddress remote,
                   int pieceCount, EngineClock clock, RateLimiter downloadLimiter) {
        this.engine = engine;
        this.socket = socket;
        this.channel = ((NetSocketInternal) socket).channelHandlerContext();
        this.voidPromise = new VoidChannelPromise(channel.channel(), false);
        socket.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
        this.context = (ContextInternal) Vertx.currentContext();
        // NetSocket's drain handler fires only when Vert.x's own write queue overflowed, and blocks
        // bypass it: the channel's writability is watched here instead, ahead of Vert.x's handler.
        try {
            channel.pipeline().addBefore(channel.name(), "enjambre-writable", new ChannelInboundHandlerAdapter() {
                @Override
                public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                    if (ctx.channel().isWritable()) {
                        writable();
                    }
                    ctx.fireChannelWritabilityChanged();
                }
            });
        } catch (java.util.NoSuchElementException e) {
            // The socket closed before we took it (its pipeline is gone): nothing will be written,
            // and its close handler ends the connection.
        }
        this.decoder = decoder;
        this.incoming = incoming;
        this.address = socket.remoteAddress() == null ? "?" : socket.remoteAddress().toString();
        this.remote = remote;
        this.clock = clock;
        this.downloadLimiter = downloadLimiter;
        if (downloadLimiter.limited()) {
            // The limit is applied to reads after the fact: a read of up to 64 KiB (Netty's adaptive
            // allocator; 1 MiB when the sockets had a fixed receive buffer) would be taken whole, and
            // the download's last such read is never paid for, so a small capped download finished
            // early. Small reads keep the overshoot to one block.
            channel.channel().config().setRecvByteBufAllocator(new FixedRecvByteBufAllocator(LIMITED_READ_BYTES));
        }
        this.timeline = WireTimeline.open(address + (incoming ? " in" : " out"));
        long now = clock.nanoTime();
        this.state = new PeerState(pieceCount, now);
        this.lastReceivedNanos = now;
        this.lastSentNanos = now;
    }

    /**
     * Starts reading: every read goes through the decoder to the engine. The reads are taken as
     * Netty gives them (pooled direct memory), not as the heap copies NetSocket.handler would make
     * of them: the decoder copies a block once, into the block, and lets go of the read after it.
     */
    void start() {
        ((NetSocketInternal) socket).messageHandler(message -> {
            if (message instanceof ByteBuf read) {
                reading = true;
                try {
                    onData(read);
                    if (!closed) {
                        engine.onReadDone(this);
                    }
                } finally {
                    reading = false;
                    decoder.detach();
                    read.release();
                    flush(); // the blocks that the read's requests found ready, in one write
                }
            } else {
                ReferenceCountUtil.release(message);
            }
        });
        socket.closeHandler(v -> {
            decoder.release();
            if (!closed) {
                closed = true;
                if (timeline != null) {
                    timeline.closed("by the peer");
                }
                engine.closed(this, null);
            }
            releasePausedReads();
        });
        socket.exceptionHandler(e -> close("socket error: " + e.getMessage()));
    }

    /** Whether a read is being handled: what the engine sends now leaves in one flush at its end. */
    boolean reading() {
        return reading;
    }

    private void onData(ByteBuf data) {
        if (closed) {
            return;
        }
        lastReceivedNanos = clock.nanoTime();
        int length = data.readableBytes();
        decoder.feed(data);
        drain();
        throttle(length);
    }

    /**
     * Download rate limit: data already read is counted; when the bucket is in debt the socket stops
     * reading until it is paid, so TCP pushes back on the sender.
     */
    private void throttle(int bytes) {
        if (!downloadLimiter.limited() || closed) {
            return;
        }
        long wait = downloadLimiter.consume(bytes);
        if (wait > 0 && !readPaused) {
            readPaused = true;
            socket.pause();
            clock.schedule(wait, () -> {
                readPaused = false;
                if (!closed) {
                    socket.resume();
                }
            });
        }
    }

    /** Closes the connection if the peer's handshake has not been accepted within {@code timeout}. */
    void armHandshakeTimeout(Duration timeout) {
        clock.schedule(timeout.toMillis(), () -> {
            if (!registered && !closed) {
                close("no handshake within " + timeout.toSeconds() + " s");
            }
        });
    }

    /** Closes a peer silent for {@code idle}; sends a keep-alive when we were silent for {@code keepAlive}. */
    void checkLiveness(long now, Duration keepAlive, Duration idle) {
        if (now - lastReceivedNanos > idle.toNanos()) {
            close("nothing received for " + idle.toSeconds() + " s");
        } else if (now - lastSentNanos > keepAlive.toNanos()) {
            send(Message.KeepAlive.INSTANCE);
        }
    }

    /** The remote address of a socket as a peer address; null if it has none (or not an IP). */
    static PeerAddress remoteOf(NetSocket socket) {
        SocketAddress a = socket.remoteAddress();
        try {
            return a == null || a.hostAddress() == null ? null : new PeerAddress(a.hostAddress(), a.port());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The handshake the peer port read before this connection existed (an incoming one): the timeline says who it is. */
    void adoptedWith(Handshake theirs) {
        if (timeline != null) {
            timeline.received(theirs);
        }
    }

    /** Hands every complete item in the decoder to the engine. */
    void drain() {
        try {
            Object item;
            while (!closed && (item = decoder.next()) != null) {
                if (timeline != null) {
                    timeline.received(item);
                }
                switch (item) {
                    case Handshake handshake -> engine.onHandshake(this, handshake);
                    case Message.Piece piece -> {
                        try {
                            engine.onMessage(this, piece);
                        } finally {
                            piece.data().release(); // the receiver copied what it keeps
                        }
                    }
                    case Message message -> engine.onMessage(this, message);
                    default -> throw new IllegalStateException("decoder gave " + item);
                }
            }
        } catch (WireException e) {
            close("protocol error: " + e.getMessage());
        }
    }

    @Override
    public String address() {
        return address;
    }

    @Override
    public PeerAddress remote() {
        return remote;
    }

    @Override
    public boolean incoming() {
        return incoming;
    }

    @Override
    public PeerState state() {
        return state;
    }

    @Override
    public void send(Message message) {
        if (timeline != null && !closed) {
            timeline.sent(message);
        }
        send(MessageEncoder.encode(message));
    }

    @Override
    public void send(Buffer bytes) {
        if (!closed) {
            lastSentNanos = clock.nanoTime();
            socket.write(bytes);
        }
    }

    @Override
    public void sendRequests(Buffer batch, int count) {
        if (timeline != null && !closed) {
            timeline.sentRequests(count);
        }
        send(batch);
    }

    /**
     * Straight to the channel, without a flush: NetSocket.write flushes each message unless it
     * happens while this socket is being read, so blocks sent after a disk read or on drain cost
     * one system call each. Vert.x writes in place on the socket's event loop (the engine's), so a
     * piece queued here and a message sent through the NetSocket after it leave in that order.
     */
    @Override
    public void queuePiece(int index, int begin, ByteBuf block) {
        if (closed) {
            block.release();
            return;
        }
        lastSentNanos = clock.nanoTime();
        if (timeline != null) {
            timeline.sentBlock(block.readableBytes());
        }
        ByteBuf header = channel.alloc().directBuffer(MessageEncoder.PIECE_HEADER_LENGTH);
        MessageEncoder.writePieceHeader(header, index, begin, block.readableBytes());
        // Two messages rather than a composite of the two: the socket gathers them in one writev anyway.
        channel.write(header, voidPromise);
        channel.write(block, voidPromise);
        unflushed = true;
    }

    @Override
    public void queue(Message message) {
        if (closed) {
            return;
        }
        if (timeline != null) {
            timeline.sent(message);
        }
        lastSentNanos = clock.nanoTime();
        // A heap buffer: the epoll channel copies it into direct memory as it takes the write.
        channel.write(((BufferInternal) MessageEncoder.encode(message)).getByteBuf(), voidPromise);
        unflushed = true;
    }

    /**
     * While a read is handed to the engine, the flush waits for the read's end: one read carries
     * hundreds of requests, each served (and flushed) on its own, and their blocks should leave
     * together. Only on the socket's own event loop, where the read is (the engine's context is
     * that loop; were it not, a deferred flush could be missed, so it is not deferred).
     */
    @Override
    public void flush() {
        if (unflushed && !(reading && channel.executor().inEventLoop())) {
            unflushed = false;
            channel.flush();
        }
    }

    @Override
    public void close(String reason) {
        if (closed) {
            return;
        }
        closed = true;
        decoder.release();
        if (timeline != null) {
            timeline.closed(reason);
        }
        socket.close();
        releasePausedReads();
        engine.closed(this, reason);
    }

    /**
     * Vert.x pauses a socket (the download limit, {@link #pauseReading}) with a flag and queues the
     * reads that still come, raw Netty buffers for our message handler, turning reading off only once
     * 8 wait; it hands them over when the socket resumes, and a socket closed while paused never
     * resumed, so nothing released them (the "LEAK: ByteBuf.release() was not called" after a
     * rate-limited peer's connection closed). Resuming once the connection is closed hands them to the
     * message handler, which releases them unread (nothing is fed after a close); on a socket that
     * was not paused it does nothing.
     */
    private void releasePausedReads() {
        readPaused = false;
        socket.resume();
    }

    @Override
    public boolean closed() {
        return closed;
    }

    @Override
    public boolean writeQueueFull() {
        // The channel's own state: it counts queued pieces that are not flushed yet as well.
        return !channel.channel().isWritable();
    }

    @Override
    public void onDrain(Runnable action) {
        drainAction = action;
    }

    private void writable() {
        Runnable action = drainAction;
        if (action != null && !closed) {
            drainAction = null;
            if (context == null) {
                action.run();
            } else {
                context.emit(null, v -> action.run());
            }
        }
    }

    @Override
    public void pauseReading() {
        socket.pause();
    }

    @Override
    public void resumeReading() {
        socket.resume();
    }

    @Override
    public String toString() {
        return address + (state.peerId == null ? "" : " " + state.client());
    }
}
