package org.enjambre.node;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.transport.Transport;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.enjambre.tracker.server.UdpTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tracker node's UDP socket (BEP 15): each datagram goes to the {@link UdpTracker} front end and
 * its answer, if any, back to the sender. It wires; the work is the front end's and the announce
 * service's. Several instances share the port only where the transport can (SO_REUSEPORT, native),
 * each a Netty channel on its own Vert.x event loop.
 *
 * <p>Netty directly rather than Vert.x's {@code DatagramSocket}: Vert.x ties the kernel's receive
 * buffer to the size of the buffer each datagram is read into (a 4 MiB buffer zeroed per 100-byte
 * announce was 65 % of the CPU), reads one datagram per wake-up, and sends to a host string it
 * resolves per answer. Here the kernel buffer holds bursts, each datagram is read into 2 KiB, and
 * the answer goes to the sender's address as received, written from whichever thread completes it
 * (Netty's channel writes are thread-safe), so an announce needs no hop back to the event loop.
 */
public final class UdpTrackerVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(UdpTrackerVerticle.class);
    /** The kernel's receive buffer: a few thousand requests of a burst wait there instead of being dropped. */
    static final int RECEIVE_BUFFER_BYTES = 4 << 20;
    /** Each datagram's read buffer: a BEP 15 request is at most a 74-hash scrape (1,496 bytes). */
    static final int READ_BUFFER_BYTES = 2048;
    /** Datagrams read per wake-up of the event loop before it turns to its other channels. */
    static final int DATAGRAMS_PER_READ = 64;
    /**
     * Datagrams one {@code recvmmsg} reads (epoll only), each into its own {@link #READ_BUFFER_BYTES}
     * of one buffer: a system call per datagram was about half the tracker's CPU per announce.
     */
    static final int DATAGRAMS_PER_SYSCALL = 32;

    private final String host;
    private final int port;
    private final UdpTracker tracker;
    private final boolean reusePort;
    private DatagramChannel channel;

    public UdpTrackerVerticle(String host, int port, UdpTracker tracker, boolean reusePort) {
        this.host = host;
        this.port = port;
        this.tracker = tracker;
        this.reusePort = reusePort;
    }

    @Override
    public Future<?> start() {
        Transport transport = ((VertxInternal) vertx).transport();
        ContextInternal loop = (ContextInternal) context;
        DatagramSocketOptions options = socketOptions(host, reusePort);
        channel = transport.datagramChannel(options.isIpV6() ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4);
        // Vert.x's own settings (SO_REUSEPORT on the native transports among them), then ours.
        transport.configure(channel, options);
        configure(channel);
        channel.pipeline().addLast(new Answering(tracker, loop));
        PromiseInternal<Void> bound = loop.promise();
        loop.nettyEventLoop().register(channel).addListener(registered -> {
            if (registered.isSuccess()) {
                channel.bind(new InetSocketAddress(host, port)).addListener(bound);
            } else {
                bound.fail(registered.cause());
            }
        });
        return bound.future().onFailure(e -> channel.close());
    }

    /** The socket's Vert.x-level options. No receive buffer size here: {@link #configure} sets the kernel's alone. */
    static DatagramSocketOptions socketOptions(String host, boolean reusePort) {
        DatagramSocketOptions options = new DatagramSocketOptions().setIpV6(host.contains(":"));
        if (reusePort) {
            options.setReusePort(true);
        }
        return options;
    }

    /**
     * The kernel's buffer large (bursts), each datagram's small (no big zeroed buffer), several read
     * per wake-up; on epoll, {@link #DATAGRAMS_PER_SYSCALL} of them per system call ({@code recvmmsg}:
     * Netty reads that way once a datagram's largest size is set and the read buffer holds several).
     */
    static void configure(DatagramChannel channel) {
        channel.config().setOption(ChannelOption.SO_RCVBUF, RECEIVE_BUFFER_BYTES);
        boolean scattering = channel instanceof EpollDatagramChannel epoll
                && epoll.config().setOption(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, READ_BUFFER_BYTES);
        channel.config().setRecvByteBufAllocator(new FixedRecvByteBufAllocator(
                scattering ? READ_BUFFER_BYTES * DATAGRAMS_PER_SYSCALL : READ_BUFFER_BYTES).maxMessagesPerRead(DATAGRAMS_PER_READ));
    }

    /**
     * Reads datagrams, asks the front end, writes each answer to the address its datagram came
     * from. Answers given while a batch of reads is handled are written without a flush and flushed
     * together when the batch ends: Netty's epoll channel then sends them with one {@code sendmmsg}
     * instead of a {@code sendmsg} each. An answer given later (a cluster registry's, on this loop
     * or not) is flushed at once.
     */
    private static final class Answering extends ChannelInboundHandlerAdapter {
        private final UdpTracker tracker;
        private final ContextInternal context;
        /** Inside a batch of reads (only ever touched on the channel's event loop). */
        private boolean reading;
        /** Answers written since the last flush. */
        private boolean unflushed;

        Answering(UdpTracker tracker, ContextInternal context) {
            this.tracker = tracker;
            this.context = context;
        }

        @Override
        public boolean isSharable() {
            return false;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof DatagramPacket packet)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            reading = true;
            byte[] datagram;
            InetSocketAddress sender = packet.sender();
            try {
                ByteBuf content = packet.content();
                datagram = new byte[content.readableBytes()];
                content.getBytes(content.readerIndex(), datagram);
            } finally {
                packet.release();
            }
            if (sender == null || sender.getAddress() == null) {
                return;
            }
            // Within the verticle's context, as Vert.x's own handlers run: the registry's Vert.x
            // calls (a scrape) find it as their caller's.
            ContextInternal previous = context.beginDispatch();
            try {
                tracker.answer(datagram, sender.getAddress().getAddress(), sender.getPort(), ctx.channel().eventLoop(),
                        new ToSender(this, ctx.channel(), sender));
            } finally {
                context.endDispatch(previous);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            reading = false;
            if (unflushed) {
                unflushed = false;
                ctx.channel().flush();
            }
        }

        /** Writes an answer: flushed with the batch when one is being read on this thread, at once otherwise. */
        void write(Channel channel, DatagramPacket answer) {
            if (reading && channel.eventLoop().inEventLoop()) {
                unflushed = true;
                channel.write(answer, channel.voidPromise());
            } else {
                channel.writeAndFlush(answer, channel.voidPromise());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("UDP tracker socket: {}", cause.toString());
        }
    }

    /** One datagram's answer, encoded into a pooled direct buffer (what the socket sends from: no copy). */
    private static final class ToSender implements UdpTracker.Reply {
        private final Answering answering;
        private final Channel channel;
        private final InetSocketAddress sender;
        private ByteBuf opened;
        private int length;

        ToSender(Answering answering, Channel channel, InetSocketAddress sender) {
            this.answering = answering;
            this.channel = channel;
            this.sender = sender;
        }

        @Override
        public void none() {
        }

        @Override
        public void send(byte[] answer) {
            ByteBuf buffer = channel.alloc().directBuffer(answer.length);
            answering.write(channel, new DatagramPacket(buffer.writeBytes(answer), sender));
        }

        @Override
        public ByteBuffer open(int length) {
            opened = channel.alloc().directBuffer(length);
            this.length = length;
            // The buffer's own view (no ByteBuffer made per answer); written at once, before anything else uses it.
            return opened.internalNioBuffer(0, length);
        }

        @Override
        public void send() {
            ByteBuf buffer = opened;
            opened = null;
            answering.write(channel, new DatagramPacket(buffer.writerIndex(length), sender));
        }
    }

    /** The port actually bound. */
    public int actualPort() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public Future<?> stop() {
        if (channel == null) {
            return Future.succeededFuture();
        }
        PromiseInternal<Void> closed = ((ContextInternal) context).promise();
        channel.close().addListener(closed);
        return closed.future();
    }
}
