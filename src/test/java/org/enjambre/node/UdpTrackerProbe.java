package org.enjambre.node;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import org.enjambre.tracker.protocol.AnnounceEvent;
import org.enjambre.tracker.protocol.AnnounceRequest;
import org.enjambre.tracker.protocol.TransferStats;
import org.enjambre.tracker.protocol.UdpTrackerCodec;
import org.enjambre.tracker.protocol.UdpTrackerRequest;
import org.enjambre.tracker.protocol.UdpTrackerResponse;

/**
 * A bare BEP 15 client for tests, on one loopback socket (so one address and port: connection ids
 * are bound to them): each exchange is retried a bounded number of times, as a datagram may be lost.
 */
final class UdpTrackerProbe implements AutoCloseable {
    final DatagramSocket socket;

    UdpTrackerProbe() throws IOException {
        socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
    }

    /** One request to 127.0.0.1:{@code port}, answered within {@code timeout} per try, at most {@code tries} tries. */
    UdpTrackerResponse exchange(int port, UdpTrackerRequest request, Duration timeout, int tries) throws IOException {
        byte[] bytes = UdpTrackerCodec.encode(request);
        int transactionId = UdpTrackerCodec.getInt(bytes, 12);
        socket.setSoTimeout((int) timeout.toMillis());
        byte[] buffer = new byte[2048];
        for (int t = 0; t < tries; t++) {
            socket.send(new DatagramPacket(bytes, bytes.length, InetAddress.getLoopbackAddress(), port));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                DatagramPacket in = new DatagramPacket(buffer, buffer.length);
                try {
                    socket.receive(in);
                } catch (SocketTimeoutException e) {
                    break;
                }
                UdpTrackerResponse response = UdpTrackerCodec.decodeResponse(Arrays.copyOf(buffer, in.getLength()), 6);
                if (response.transactionId() == transactionId) {
                    return response;
                }
            }
        }
        throw new AssertionError("no answer from udp://127.0.0.1:" + port + " after " + tries + " tries");
    }

    long connect(int port) throws IOException {
        return ((UdpTrackerResponse.Connected) exchange(port, new UdpTrackerRequest.Connect(tx()), Duration.ofSeconds(2), 10))
                .connectionId();
    }

    UdpTrackerResponse announce(int port, long connectionId, byte[] infoHash, String peerId, int peerPort, long left)
            throws IOException {
        AnnounceRequest request = new AnnounceRequest(infoHash, peerId.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                peerPort, new TransferStats(0, 0, left), AnnounceEvent.STARTED, 50, null, null);
        return exchange(port, new UdpTrackerRequest.Announce(connectionId, tx(), request, 0, "/announce"),
                Duration.ofSeconds(2), 10);
    }

    static int tx() {
        return ThreadLocalRandom.current().nextInt();
    }

    @Override
    public void close() {
        socket.close();
    }
}
