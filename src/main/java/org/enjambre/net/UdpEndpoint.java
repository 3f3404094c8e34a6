package org.enjambre.net;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramPacket;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.SocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's one UDP socket, shared by the Mainline DHT and the UDP tracker client, as real clients
 * do: one port to open in a firewall, one port that other DHT nodes learn. Incoming datagrams are
 * told apart by their first byte ({@link #kindOf}): KRPC messages are bencoded dictionaries and so
 * start with {@code 'd'}, while every BEP 15 answer starts with a big-endian action number 0..3, whose
 * first byte is 0. Each side registers one {@link Receiver}; a datagram nobody takes is counted and
 * dropped, never an exception that would stop the socket.
 */
public final class UdpEndpoint {

    /** Which protocol a datagram belongs to. */
    public enum Kind {
        /** A KRPC message (BEP 5): a bencoded dictionary. */
        KRPC,
        /** A UDP tracker answer (BEP 15). */
        TRACKER
    }

    /** Takes the datagrams of one kind. Called on the socket's event loop: must not block. */
    @FunctionalInterface
    public interface Receiver {
        void onDatagram(Buffer datagram, SocketAddress sender);
    }

    private static final Receiver NOBODY = (datagram, sender) -> { };

    private final DatagramSocket socket;
    private volatile Receiver krpc = NOBODY;
    private volatile Receiver tracker = NOBODY;
    private final AtomicLong unclaimed = new AtomicLong();

    private UdpEndpoint(DatagramSocket socket) {
        this.socket = socket;
    }

    /** Opens the socket on {@code host:port} ({@code port} 0 for any free port). */
    public static Future<UdpEndpoint> bind(Vertx vertx, String host, int port) {
        DatagramSocketOptions options = new DatagramSocketOptions().setIpV6(host.contains(":"));
        DatagramSocket socket = vertx.createDatagramSocket(options);
        UdpEndpoint endpoint = new UdpEndpoint(socket);
        socket.handler(endpoint::dispatch);
        socket.exceptionHandler(error -> endpoint.unclaimed.incrementAndGet());
        return socket.listen(port, host).map(bound -> endpoint);
    }

    /**
     * The kind of a datagram from its first byte, or {@code null} for an empty one (which no protocol
     * sends).
     */
    public static Kind kindOf(Buffer datagram) {
        if (datagram.length() == 0) {
            return null;
        }
        return datagram.getByte(0) == 'd' ? Kind.KRPC : Kind.TRACKER;
    }

    /** Sets the DHT's receiver (one; a second call replaces the first). */
    public void onKrpc(Receiver receiver) {
        this.krpc = receiver == null ? NOBODY : receiver;
    }

    /** Sets the UDP tracker client's receiver (one; a second call replaces the first). */
    public void onTracker(Receiver receiver) {
        this.tracker = receiver == null ? NOBODY : receiver;
    }

    /** Sends one datagram to {@code to}. */
    public Future<Void> send(Buffer datagram, SocketAddress to) {
        return socket.send(datagram, to.port(), to.host());
    }

    /** The port the socket is bound to. */
    public int localPort() {
        return socket.localAddress().port();
    }

    /** The address the socket is bound to. */
    public SocketAddress localAddress() {
        return socket.localAddress();
    }

    /** Datagrams that were empty or that no receiver took, and socket errors. */
    public long unclaimed() {
        return unclaimed.get();
    }

    public Future<Void> close() {
        return socket.close();
    }

    private void dispatch(DatagramPacket packet) {
        Kind kind = kindOf(packet.data());
        Receiver receiver = kind == null ? NOBODY : kind == Kind.KRPC ? krpc : tracker;
        if (receiver == NOBODY) {
            unclaimed.incrementAndGet();
            return;
        }
        try {
            receiver.onDatagram(packet.data(), packet.sender());
        } catch (RuntimeException error) {
            // A receiver's bug must not stop the socket for the other protocol: count it and go on.
            unclaimed.incrementAndGet();
        }
    }
}
