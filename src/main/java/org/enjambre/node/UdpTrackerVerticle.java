package org.enjambre.node;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
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
    static final int DATAGRAMS_PER_READ = 32;

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

    /** The kernel's buffer large (bursts), each datagram's small (no big zeroed buffer), several read per wake-up. */
    static void configure(DatagramChannel channel) {
        channel.config().setOption(ChannelOption.SO_RCVBUF, RECEIVE_BUFFER_BYTES);
        channel.config().setRecvByteBufAllocator(
                new FixedRecvByteBufAllocator(READ_BUFFER_BYTES).maxMessagesPerRead(DATAGRAMS_PER_READ));
    }

    /** Reads a datagram, asks the front end, writes its answer to the address the datagram came from. */
    private static final class Answering extends ChannelInboundHandlerAdapter {
        private final UdpTracker tracker;
        private final ContextInternal context;

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
            Channel channel = ctx.channel();
            // Within the verticle's context, as Vert.x's own handlers run: the registry's Vert.x
            // calls (a scrape) find it as their caller's.
            ContextInternal previous = context.beginDispatch();
            try {
                tracker.answer(datagram, sender.getAddress().getAddress(), sender.getPort(), channel.eventLoop(), answer -> {
                    if (answer != null) {
                        channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(answer), sender), channel.voidPromise());
                    }
                });
            } finally {
                context.endDispatch(previous);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("UDP tracker socket: {}", cause.toString());
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
