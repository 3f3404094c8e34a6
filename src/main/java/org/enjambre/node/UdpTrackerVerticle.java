package org.enjambre.node;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramPacket;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.SocketAddress;
import org.enjambre.tracker.protocol.IpAddresses;
import org.enjambre.tracker.server.UdpTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tracker node's UDP socket (BEP 15): each datagram goes to the {@link UdpTracker} front end and
 * its answer, if any, back to the sender. It wires; the work is the front end's and the announce
 * service's. Several instances share the port only where the transport can (SO_REUSEPORT, native).
 */
public final class UdpTrackerVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(UdpTrackerVerticle.class);
    private final String host;
    private final int port;
    private final UdpTracker tracker;
    private final boolean reusePort;
    private DatagramSocket socket;

    public UdpTrackerVerticle(String host, int port, UdpTracker tracker, boolean reusePort) {
        this.host = host;
        this.port = port;
        this.tracker = tracker;
        this.reusePort = reusePort;
    }

    @Override
    public Future<?> start() {
        socket = vertx.createDatagramSocket(socketOptions(host, reusePort));
        socket.handler(this::received);
        socket.exceptionHandler(e -> LOG.debug("UDP tracker socket: {}", e.toString()));
        return socket.listen(port, host);
    }

    /**
     * The socket's options. No receive buffer size: Vert.x applies it to the kernel's buffer and
     * also as the size of Netty's read buffer for every datagram, so 4 MiB asked for bursts made
     * each 100-byte announce allocate and zero a 4 MiB direct buffer (65 % of the tracker's CPU
     * under UDP load, JFR). The kernel's default buffer holds a few hundred requests.
     */
    static DatagramSocketOptions socketOptions(String host, boolean reusePort) {
        DatagramSocketOptions options = new DatagramSocketOptions().setIpV6(host.contains(":"));
        if (reusePort) {
            options.setReusePort(true);
        }
        return options;
    }

    private void received(DatagramPacket packet) {
        SocketAddress sender = packet.sender();
        byte[] ip = IpAddresses.parse(sender.hostAddress());
        if (ip == null) {
            return;
        }
        tracker.answer(packet.data().getBytes(), ip, sender.port()).onSuccess(answer -> {
            if (answer != null) {
                socket.send(Buffer.buffer(answer), sender.port(), sender.hostAddress());
            }
        });
    }

    /** The port actually bound. */
    public int actualPort() {
        return socket.localAddress().port();
    }

    @Override
    public Future<?> stop() {
        return socket == null ? Future.succeededFuture() : socket.close();
    }
}
