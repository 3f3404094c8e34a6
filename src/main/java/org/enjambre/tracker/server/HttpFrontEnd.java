package org.enjambre.tracker.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.transport.Transport;
import io.vertx.core.net.NetServerOptions;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.enjambre.net.ConnectionSlots;
import org.enjambre.net.HttpLimits;
import org.enjambre.tracker.protocol.QueryString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tracker's HTTP port: a lean front end on Netty, on Vert.x's own event loops, for the two
 * requests a BitTorrent client makes ({@code GET /announce}, {@code GET /scrape}), each usually on a
 * new connection. Vert.x's HTTP server builds a connection object, a codec pipeline, request and
 * response objects and header maps for every connection; here a connection costs one small handler
 * and the answer one pooled buffer (see {@link AnnounceConnection}). Every other request (the REST
 * API, uploads, anything unusual) is handed over, bytes and all, to the full Vert.x HTTP server
 * listening on a loopback port, so nothing else changes.
 *
 * <p>With the native transport the port is served by half the machine's cores' worth of event
 * loops (at least one), each accepting on its own {@code SO_REUSEPORT} socket (the kernel spreads
 * new connections; no accept thread hands them around), and the kernel wakes a loop for a new
 * connection only once its request has arrived ({@code TCP_DEFER_ACCEPT}); otherwise one socket
 * accepts and every loop takes turns. The limits are {@link HttpLimits}'s: a cap on connections
 * per address and on connections still waiting for their first head, a header deadline for the
 * first request and an idle deadline after each answer, enforced by one sweep per event loop.
 */
public final class HttpFrontEnd extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(HttpFrontEnd.class);
    /** Header lines, all together, as Vert.x's default allows. */
    static final int MAX_HEADERS = 8192;
    /** Connections the kernel may hold complete but not yet accepted, per accepting socket. */
    static final int ACCEPT_BACKLOG = 1024;
    /**
     * How long the kernel holds a new connection that has sent nothing before handing it over
     * anyway (Linux rounds it to one SYN-ACK retransmission, about a second). A client sends its
     * announce right after the handshake, so the accept wakes the loop with the request already
     * there: 0.55 context switches per connection become 0.25 with one loop, 1.4 become 0.7 with
     * four (bench/RESULTS.md, "HTTP per connection, part 2"). Kept short so that a connection that
     * never sends still reaches the per-address cap and the header deadline after about a second,
     * not after the kernel's SYN-ACK retries (a minute).
     */
    static final int DEFER_ACCEPT_SECONDS = 1;

    private final HttpTracker tracker;
    private final String host;
    private final int port;
    private final HttpLimits limits;
    private final InetSocketAddress handOver;
    private final HandOvers handOvers;
    private final int loopCount;
    private final List<Channel> listeners = new ArrayList<>();
    private final List<ScheduledFuture<?>> sweeps = new ArrayList<>();

    /**
     * @param handOver  where the full HTTP server listens (loopback) for every request this one does not answer
     * @param handOvers where that server learns who is behind each connection handed over
     */
    public HttpFrontEnd(HttpTracker tracker, String host, int port, HttpLimits limits, InetSocketAddress handOver,
                        HandOvers handOvers) {
        this(tracker, host, port, limits, handOver, handOvers, defaultLoops());
    }

    /** As the other constructor, served by {@code loopCount} event loops (native transport; NIO: all of them). */
    HttpFrontEnd(HttpTracker tracker, String host, int port, HttpLimits limits, InetSocketAddress handOver,
                 HandOvers handOvers, int loopCount) {
        if (loopCount < 1) {
            throw new IllegalArgumentException("an HTTP front end needs at least one event loop, not " + loopCount);
        }
        this.loopCount = loopCount;
        this.handOvers = handOvers;
        this.tracker = tracker;
        this.host = host;
        this.port = port;
        this.limits = limits;
        this.handOver = handOver;
    }

    @Override
    public Future<?> start() {
        VertxInternal vx = (VertxInternal) vertx;
        if (port != 0) {
            // SO_REUSEPORT would let us share a port another tracker already holds: make sure nobody does.
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(host, port));
            } catch (java.io.IOException e) {
                return Future.failedFuture(e);
            }
        }
        ConnectionSlots slots = limits.slots(vertx, port);
        long sweepMillis = limits.sweepMillis();
        Map<EventExecutor, Loop> loops = new IdentityHashMap<>();
        boolean reusePort = vertx.isNativeTransportEnabled();
        for (EventExecutor executor : vx.nettyEventLoopGroup()) {
            if (reusePort && loops.size() == loopCount) {
                // With NIO the acceptor hands connections to every loop of the group: all must be ready.
                break;
            }
            EventLoop eventLoop = (EventLoop) executor;
            ContextInternal context = vx.contextBuilder().withEventLoop(eventLoop)
                    .withThreadingModel(ThreadingModel.EVENT_LOOP).build();
            Loop loop = new Loop(context, eventLoop);
            loops.put(eventLoop, loop);
            sweeps.add(eventLoop.scheduleAtFixedRate(loop::sweep, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS));
        }
        ChannelHandler accept = new Admission(loops, slots);
        InetSocketAddress local = new InetSocketAddress(host, port);
        List<ServerBootstrap> bootstraps = new ArrayList<>();
        if (reusePort) {
            for (EventExecutor loop : loops.keySet()) {
                bootstraps.add(new ServerBootstrap().group((EventLoop) loop, (EventLoop) loop));
            }
        } else {
            bootstraps.add(new ServerBootstrap().group(vx.acceptorEventLoopGroup(), vx.nettyEventLoopGroup()));
        }
        Promise<Void> bound = Promise.promise();
        bindAll(vx, bootstraps, accept, local, 0, bound);
        return bound.future().onSuccess(v -> LOG.debug("tracker HTTP front end on {}:{}, {} accepting sockets",
                host, actualPort(), listeners.size()));
    }

    /** Binds one after another: with port 0 the first picks the port the others then share. */
    private void bindAll(VertxInternal vx, List<ServerBootstrap> bootstraps, ChannelHandler accept,
                         InetSocketAddress local, int index, Promise<Void> bound) {
        if (index == bootstraps.size()) {
            bound.complete();
            return;
        }
        ServerBootstrap bootstrap = socketOptions(vx.transport(), bootstraps.get(index), vertx.isNativeTransportEnabled())
                .channelFactory(vx.transport().serverChannelFactory(false))
                .childHandler(accept);
        InetSocketAddress at = index == 0 ? local : new InetSocketAddress(local.getAddress(), actualPort());
        bootstrap.bind(at).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                listeners.forEach(Channel::close);
                bound.fail(f.cause());
                return;
            }
            listeners.add(f.channel());
            bindAll(vx, bootstraps, accept, local, index + 1, bound);
        });
    }

    /**
     * The listening sockets' options as Vert.x sets them (backlog, address reuse, {@code SO_REUSEPORT}
     * where the transport has it), plus {@code TCP_DEFER_ACCEPT} on epoll, and none for the accepted
     * ones: every option set on an accepted socket is a system call per connection, that is per
     * announce. Vert.x's server configuration sets five (TCP_NODELAY twice, TCP_QUICKACK, TCP_CORK
     * and SO_KEEPALIVE to their defaults); Netty sets TCP_NODELAY on every accepted socket by
     * itself, which is all an answer in one write needs.
     */
    static ServerBootstrap socketOptions(Transport transport, ServerBootstrap bootstrap, boolean nativeTransport) {
        transport.configure(new NetServerOptions().setReuseAddress(true).setAcceptBacklog(ACCEPT_BACKLOG)
                .setReusePort(nativeTransport), false, bootstrap);
        for (ChannelOption<?> option : bootstrap.config().childOptions().keySet()) {
            bootstrap.childOption(option, null);
        }
        if (nativeTransport && Epoll.isAvailable()) {
            bootstrap.option(EpollChannelOption.TCP_DEFER_ACCEPT, DEFER_ACCEPT_SECONDS);
        }
        return bootstrap;
    }

    /**
     * Event loops for the port by default: half the cores, at least one. Each loop that accepts
     * sleeps and wakes on its own; on two cores shared with the clients' side of loopback (or the
     * kernel's network work), one loop took 0.49 CPU s per 10,000 announces against 0.62 for
     * Vert.x's four, 1.4 context switches per connection against 0.55 (bench/RESULTS.md, "HTTP per
     * connection, part 2"): one loop's waits batch several connections per wake-up instead of each
     * loop waking for one.
     */
    static int defaultLoops() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    @Override
    public Future<?> stop() {
        sweeps.forEach(s -> s.cancel(false));
        List<Future<Void>> closed = new ArrayList<>();
        for (Channel listener : listeners) {
            Promise<Void> p = Promise.promise();
            listener.close().addListener(f -> p.complete());
            closed.add(p.future());
        }
        return Future.all(closed);
    }

    /** How many sockets accept for this port (one per event loop that serves it, or one with NIO). */
    int acceptingSockets() {
        return listeners.size();
    }

    /** The port bound (useful with port 0). */
    public int actualPort() {
        return listeners.isEmpty() ? port : ((InetSocketAddress) listeners.getFirst().localAddress()).getPort();
    }

    /**
     * The first handler of every accepted connection: admits it under the address caps and puts its
     * {@link AnnounceConnection} in its own place, or closes it. Netty's {@code ChannelInitializer}
     * does the same but also tracks every channel it initialises in a concurrent set, an insertion
     * and a removal per connection that a handler run once on the channel's own loop does not need.
     */
    @ChannelHandler.Sharable
    private static final class Admission extends ChannelInboundHandlerAdapter {
        private final Map<EventExecutor, Loop> loops;
        private final ConnectionSlots slots;

        Admission(Map<EventExecutor, Loop> loops, ConnectionSlots slots) {
            this.loops = loops;
            this.slots = slots;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            // Called once the channel is registered, on its event loop (the acceptor adds this handler before).
            Channel channel = ctx.channel();
            Loop loop = loops.get(channel.eventLoop());
            String address = channel.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                    ? a.getAddress().getHostAddress() : "?";
            switch (loop == null ? null : slots.admit(address)) {
                case ConnectionSlots.Admitted admitted -> ctx.pipeline().replace(this, null, new AnnounceConnection(loop, admitted.slot()));
                case null, default -> channel.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * What the connections of one event loop share: the Vert.x context the tracker runs on there
     * (the registry completes on the caller's context, so answers come back to this loop), and the
     * list of their deadlines, swept by one periodic task. Used from that loop's thread only.
     */
    final class Loop {
        private final ContextInternal context;
        private final EventLoop eventLoop;
        private AnnounceConnection head;

        Loop(ContextInternal context, EventLoop eventLoop) {
            this.context = context;
            this.eventLoop = eventLoop;
        }

        int maxLine() {
            return QueryString.MAX_QUERY_LENGTH + 1024;
        }

        int maxHeaders() {
            return MAX_HEADERS;
        }

        long headerNanos() {
            return limits.headerTimeout().toNanos();
        }

        long idleNanos() {
            return limits.idleTimeout().toNanos();
        }

        /** The bencoded answer to {@code request}, computed on this loop's context. */
        Future<byte[]> answer(HttpRequestHead request, boolean announce, byte[] remote) {
            ContextInternal previous = context.beginDispatch();
            try {
                return announce ? tracker.announce(request.query(), remote) : tracker.scrape(request.query());
            } finally {
                context.endDispatch(previous);
            }
        }

        /** Tells the full server who is behind {@code inner} until it closes. */
        void handedOver(Channel inner, byte[] client) {
            if (client != null && inner.localAddress() instanceof InetSocketAddress local) {
                handOvers.opened(local.getPort(), client);
                inner.closeFuture().addListener(f -> handOvers.closed(local.getPort(), client));
            }
        }

        /** A connection to the full HTTP server, on {@code outer}'s loop, relaying to {@code outer}. */
        ChannelFuture connectHandOver(Channel outer) {
            return new Bootstrap().group(eventLoop)
                    .channelFactory(((VertxInternal) vertx).transport().channelFactory(false))
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new Splice(outer))
                    .connect(handOver);
        }

        void watch(AnnounceConnection c, long timeoutNanos) {
            c.deadline = nonZero(System.nanoTime() + timeoutNanos);
            if (c.watched) {
                return;
            }
            c.watched = true;
            c.next = head;
            if (head != null) {
                head.previous = c;
            }
            head = c;
        }

        void rewatch(AnnounceConnection c, long timeoutNanos) {
            if (c.watched) {
                c.deadline = nonZero(System.nanoTime() + timeoutNanos);
            }
        }

        void unwatch(AnnounceConnection c) {
            if (!c.watched) {
                return;
            }
            c.watched = false;
            if (c.previous != null) {
                c.previous.next = c.next;
            } else {
                head = c.next;
            }
            if (c.next != null) {
                c.next.previous = c.previous;
            }
            c.previous = null;
            c.next = null;
        }

        /** Closes the connections whose next head is late. */
        void sweep() {
            long now = System.nanoTime();
            AnnounceConnection c = head;
            while (c != null) {
                AnnounceConnection next = c.next;
                if (c.deadline != 0 && now - c.deadline >= 0) {
                    LOG.debug("tracker HTTP port: closing {}: no complete request head in time ({})",
                            c.channel().remoteAddress(), c.firstRequest() ? "first request" : "a later request");
                    unwatch(c);
                    c.expire();
                }
                c = next;
            }
        }

        private static long nonZero(long nanos) {
            return nanos == 0 ? 1 : nanos;
        }
    }
}
