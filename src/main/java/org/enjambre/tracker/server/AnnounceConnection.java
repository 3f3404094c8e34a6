package org.enjambre.tracker.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.vertx.core.Future;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.enjambre.net.ConnectionSlots;

/**
 * One connection of the {@link HttpFrontEnd}: reads request heads ({@link HttpRequestHead}),
 * answers {@code GET /announce} and {@code GET /scrape} through the {@link HttpTracker} with one
 * write (status line, two headers and the bencoded body in one pooled buffer), closes after it
 * unless the client keeps the connection, and serves pipelined requests one after another in
 * order. Anything else (another path or method, a body, an upgrade) is handed over, with the
 * bytes already read, to the full HTTP server. Its deadlines are kept by its event loop's
 * {@link HttpFrontEnd.Loop} (one sweep a loop, no timer a connection). Runs on one event loop only.
 */
final class AnnounceConnection extends ChannelInboundHandlerAdapter {
    private static final byte[] OK_11 = ascii("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ");
    private static final byte[] OK_10 = ascii("HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ");
    private static final byte[] END_KEEP_11 = ascii("\r\n\r\n");
    private static final byte[] END_KEEP_10 = ascii("\r\nconnection: keep-alive\r\n\r\n");
    private static final byte[] END_CLOSE = ascii("\r\nconnection: close\r\n\r\n");

    /** What the first read at accept asks for: a whole announce head and then some. */
    private static final int FIRST_READ = 2048;
    /** How long a refused client may go on sending before its connection is closed. */
    private static final long LINGER_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);

    private final HttpFrontEnd.Loop loop;
    private final ConnectionSlots.Slot slot;
    private ChannelHandlerContext ctx;
    private byte[] remote;
    /** Bytes read and not yet consumed; null when none. */
    private ByteBuf received;
    private boolean answering;
    private boolean greeted;
    private boolean closing;
    /** Connecting to the full server: what arrives meanwhile joins what it will be sent first. */
    private boolean handingOver;

    // The loop's intrusive deadline list (HttpFrontEnd.Loop): no object per entry, no timer.
    /** {@link System#nanoTime()} by which the next request's head must be complete; 0: none (answering). */
    long deadline;
    boolean watched;
    AnnounceConnection previous;
    AnnounceConnection next;

    AnnounceConnection(HttpFrontEnd.Loop loop, ConnectionSlots.Slot slot) {
        this.loop = loop;
        this.slot = slot;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().remoteAddress() instanceof InetSocketAddress address && address.getAddress() != null) {
            remote = address.getAddress().getAddress();
        }
        loop.watch(this, loop.headerNanos());
        readAtAccept();
    }

    /**
     * With the kernel's deferred accept ({@link HttpFrontEnd#DEFER_ACCEPT_SECONDS}) the request is
     * usually in the socket when the connection is accepted: it is read and answered now, in the
     * accept's own wake-up, rather than after registering for reading and waiting for epoll to say
     * so (an epoll round and the epoll_ctl calls that turn reading on, per connection). Nothing
     * there yet, the end of the stream or NIO: Netty's own reading takes over as usual.
     */
    private void readAtAccept() {
        if (!(ctx.channel() instanceof EpollSocketChannel epoll)) {
            return;
        }
        ByteBuf first = ctx.alloc().directBuffer(FIRST_READ);
        int read;
        try {
            read = first.hasMemoryAddress()
                    ? epoll.fd().readAddress(first.memoryAddress(), 0, first.capacity())
                    : epoll.fd().read(first.internalNioBuffer(0, first.capacity()), 0, first.capacity());
        } catch (java.io.IOException e) {
            // A reset before the first byte: the client's business, as in exceptionCaught.
            first.release();
            ctx.close();
            return;
        }
        if (read <= 0) {
            // 0: nothing yet (the deferral ran out, or no deferral); -1: closed, which Netty's read will see.
            first.release();
            return;
        }
        first.writerIndex(read);
        channelRead(ctx, first);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes) || closing) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        received = received == null ? bytes : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), received, bytes);
        if (!answering && !handingOver) {
            serve();
        } else if (received.readableBytes() > loop.maxLine() + loop.maxHeaders()) {
            // Pipelined requests wait here while one is answered, up to one whole head of the largest
            // kind; past that the client waits for its answers before it is read again.
            ctx.channel().config().setAutoRead(false);
        }
    }

    /** Answers every complete request head in {@link #received}, in order, until one must wait. */
    private void serve() {
        while (received != null && !closing && !handingOver) {
            if (!ctx.channel().isWritable()) {
                // A client that pipelines without reading the answers waits until it reads them
                // (channelWritabilityChanged), or is closed by the idle deadline: no unbounded queue.
                ctx.channel().config().setAutoRead(false);
                return;
            }
            if (!received.isReadable()) {
                releaseReceived();
                return;
            }
            switch (HttpRequestHead.parse(received, loop.maxLine(), loop.maxHeaders())) {
                case HttpRequestHead.Incomplete incomplete -> {
                    return;
                }
                case HttpRequestHead.TooLarge tooLarge -> {
                    refuse(tooLarge);
                    return;
                }
                case HttpRequestHead.Complete complete -> {
                    HttpRequestHead head = complete.head();
                    boolean announce = head.isGet("/announce");
                    if (!head.plain() || !(announce || head.isGet("/scrape"))) {
                        handOver();
                        return;
                    }
                    received.skipBytes(complete.length());
                    if (!greeted) {
                        greeted = true;
                        slot.greeted();
                    }
                    deadline = 0;
                    answering = true;
                    // Reading goes on meanwhile (see channelRead): turning it off and on again would cost
                    // two epoll_ctl calls per announce, and a closing client sends nothing more anyway.
                    Future<byte[]> answer = loop.answer(head, announce, remote);
                    if (!answer.isComplete()) {
                        answer.onComplete(ar -> {
                            if (ar.failed()) {
                                // HttpTracker turns every refusal into an answer: this is a bug, not a client's doing.
                                ctx.close();
                                return;
                            }
                            answered(head, ar.result());
                            serve();
                        });
                        return;
                    }
                    answered(head, answer.result());
                }
            }
        }
    }

    private void answered(HttpRequestHead head, byte[] body) {
        answering = false;
        if (!ctx.channel().isActive()) {
            return;
        }
        boolean keep = head.keepAlive();
        ByteBuf out = ctx.alloc().ioBuffer(OK_11.length + 10 + END_KEEP_10.length + body.length);
        out.writeBytes(head.http11() ? OK_11 : OK_10);
        out.writeCharSequence(Integer.toString(body.length), StandardCharsets.US_ASCII);
        out.writeBytes(!keep ? END_CLOSE : head.http11() ? END_KEEP_11 : END_KEEP_10);
        out.writeBytes(body);
        ChannelFuture written = ctx.writeAndFlush(out);
        if (!keep) {
            close(written);
            return;
        }
        loop.rewatch(this, loop.idleNanos());
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && !answering && !closing) {
            ctx.channel().config().setAutoRead(true);
            serve();
        }
        ctx.fireChannelWritabilityChanged();
    }

    private void refuse(HttpRequestHead.TooLarge tooLarge) {
        ByteBuf out = ctx.alloc().ioBuffer(96);
        out.writeCharSequence("HTTP/1.1 " + tooLarge.status() + " " + tooLarge.reason()
                + "\r\ncontent-length: 0\r\nconnection: close\r\n\r\n", StandardCharsets.US_ASCII);
        // The client is likely still sending: closing with its bytes unread would reset the
        // connection and could destroy the answer before it is read. Stop writing, drop what comes,
        // and close when the client does or a lingering second has passed (the sweep does that).
        closing = true;
        releaseReceived();
        ctx.channel().config().setAutoRead(true);
        loop.watch(this, LINGER_NANOS);
        ctx.writeAndFlush(out).addListener((ChannelFuture written) -> {
            if (written.channel() instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
            } else {
                written.channel().close();
            }
        });
    }

    private void close(ChannelFuture written) {
        closing = true;
        releaseReceived();
        loop.unwatch(this);
        written.addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * Splices this connection to the full HTTP server: what was read so far goes first, then bytes
     * flow both ways until either side closes. The slot stays held until this connection closes.
     */
    private void handOver() {
        Channel outer = ctx.channel();
        loop.unwatch(this);
        if (!greeted) {
            greeted = true;
            slot.greeted();
        }
        outer.config().setAutoRead(false);
        handingOver = true;
        outer.closeFuture().addListener(f -> slot.release());
        loop.connectHandOver(outer).addListener((ChannelFuture connected) -> {
            if (!connected.isSuccess() || !outer.isActive()) {
                releaseReceived();
                connected.channel().close();
                outer.close();
                return;
            }
            Channel inner = connected.channel();
            loop.handedOver(inner, remote);
            ByteBuf pending = received;
            received = null;
            if (pending != null) {
                inner.writeAndFlush(pending);
            }
            ctx.pipeline().replace(this, "splice", new Splice(inner));
            outer.config().setAutoRead(true);
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        loop.unwatch(this);
        releaseReceived();
        // Idempotent: a handed-over connection gives it back on its close future (this handler is gone by then).
        slot.release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseReceived();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Resets and broken pipes are a client's business: the connection goes, nothing else.
        ctx.close();
    }

    /** Closes the connection: its head did not come in time. */
    void expire() {
        ctx.close();
    }

    /** Whether the connection is still waiting for its first request's head (for the log). */
    boolean firstRequest() {
        return !greeted;
    }

    Channel channel() {
        return ctx.channel();
    }

    private void releaseReceived() {
        if (received != null) {
            received.release();
            received = null;
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
