package org.enjambre.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.vertx.core.datagram.DatagramSocketOptions;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.enjambre.net.PeerAddress;
import org.enjambre.testutil.FreePorts;
import org.enjambre.tracker.protocol.UdpTrackerCodec;
import org.enjambre.tracker.protocol.UdpTrackerRequest;
import org.enjambre.tracker.protocol.UdpTrackerResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The UDP tracker's sockets: several sharing the port each answer, and none pays a large read buffer per datagram. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class UdpTrackerSocketTest {

    @Test
    void everySocketSharingThePortAnswersItsClients() throws Exception {
        int udpPort = FreePorts.next();
        // Two instances: with the native transport, two sockets on one port (SO_REUSEPORT); the
        // kernel spreads clients over them by address and port, so 24 clients reach both.
        try (TrackerNode node = TrackerNode.start(new TrackerSettings("127.0.0.1", 0, 60, null,
                TrackerSettings.DEFAULT_MAX_UPLOAD, udpPort), null, 2)) {
            byte[] infoHash = new byte[20];
            infoHash[0] = 9;
            List<UdpTrackerProbe> probes = new ArrayList<>();
            try {
                Set<PeerAddress> seen = new HashSet<>();
                for (int i = 0; i < 24; i++) {
                    UdpTrackerProbe probe = new UdpTrackerProbe();
                    probes.add(probe);
                    int peerPort = 41000 + i;
                    UdpTrackerResponse answer = probe.announce(udpPort, probe.connect(udpPort), infoHash,
                            String.format("-EJ0001-%012d", peerPort), peerPort, 1000);
                    assertThat(answer).isInstanceOf(UdpTrackerResponse.Announced.class);
                    seen.addAll(((UdpTrackerResponse.Announced) answer).peers());
                }
                // One registry behind every socket: the last client sees all the others.
                assertThat(seen).hasSize(23);
            } finally {
                probes.forEach(UdpTrackerProbe::close);
            }
        }
    }

    @Test
    void theKernelBufferHoldsBurstsWhileEachDatagramIsReadIntoASmallBufferSeveralPerWakeUp() throws Exception {
        // Vert.x's receive-buffer option would also size the per-datagram read buffer (a zeroed 4 MiB each).
        DatagramSocketOptions options = UdpTrackerVerticle.socketOptions("127.0.0.1", true);
        assertThat(options.getReceiveBufferSize()).isEqualTo(new DatagramSocketOptions().getReceiveBufferSize());
        assertThat(options.isReusePort()).isTrue();
        assertThat(UdpTrackerVerticle.socketOptions("::1", false).isIpV6()).isTrue();

        NioDatagramChannel channel = new NioDatagramChannel();
        try {
            UdpTrackerVerticle.configure(channel);
            // Linux grants what is asked up to net.core.rmem_max (and reports twice that).
            long cap = Long.parseLong(Files.readString(Path.of("/proc/sys/net/core/rmem_max")).trim());
            assertThat((long) channel.config().getReceiveBufferSize())
                    .isGreaterThanOrEqualTo(Math.min(UdpTrackerVerticle.RECEIVE_BUFFER_BYTES, cap));
            RecvByteBufAllocator.Handle handle = channel.config().getRecvByteBufAllocator().newHandle();
            assertThat(handle.guess()).isEqualTo(UdpTrackerVerticle.READ_BUFFER_BYTES);
            assertThat(((MaxMessagesRecvByteBufAllocator) channel.config().getRecvByteBufAllocator()).maxMessagesPerRead())
                    .isEqualTo(UdpTrackerVerticle.DATAGRAMS_PER_READ).isGreaterThan(1);
        } finally {
            channel.unsafe().closeForcibly();
        }
    }

    @Test
    void aBurstOfRequestsReadAndAnsweredInBatchesGetsEveryAnswer() throws Exception {
        int udpPort = FreePorts.next();
        try (TrackerNode node = TrackerNode.start(new TrackerSettings("127.0.0.1", 0, 60, null,
                TrackerSettings.DEFAULT_MAX_UPLOAD, udpPort), null, 1);
             DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            client.setReceiveBufferSize(1 << 20);
            client.setSoTimeout(5_000);
            // 200 connects sent back to back: the socket reads them several per system call and
            // flushes the answers of each batch together; none may be left unflushed.
            int burst = 200;
            InetSocketAddress tracker = new InetSocketAddress(InetAddress.getLoopbackAddress(), udpPort);
            for (int i = 0; i < burst; i++) {
                byte[] connect = UdpTrackerCodec.encode(new UdpTrackerRequest.Connect(1_000 + i));
                client.send(new DatagramPacket(connect, connect.length, tracker));
            }
            Set<Integer> answered = new HashSet<>();
            byte[] buffer = new byte[64];
            for (int i = 0; i < burst; i++) {
                DatagramPacket answer = new DatagramPacket(buffer, buffer.length);
                client.receive(answer);
                UdpTrackerResponse response = UdpTrackerCodec.decodeResponse(
                        java.util.Arrays.copyOf(buffer, answer.getLength()), PeerAddress.COMPACT_IPV4);
                answered.add(((UdpTrackerResponse.Connected) response).transactionId());
            }
            assertThat(answered).hasSize(burst).allMatch(t -> t >= 1_000 && t < 1_000 + burst);
        }
    }

    @Test
    void aNativeSocketReadsSeveralDatagramsPerSystemCall() {
        assumeTrue(Epoll.isAvailable(), "no native epoll transport here");
        EpollDatagramChannel channel = new EpollDatagramChannel();
        try {
            UdpTrackerVerticle.configure(channel);
            // Netty's epoll channel reads with recvmmsg once a datagram's largest size is set and the
            // read buffer holds several of that size.
            assertThat(channel.config().getMaxDatagramPayloadSize()).isEqualTo(UdpTrackerVerticle.READ_BUFFER_BYTES);
            assertThat(channel.config().getRecvByteBufAllocator().newHandle().guess())
                    .isEqualTo(UdpTrackerVerticle.READ_BUFFER_BYTES * UdpTrackerVerticle.DATAGRAMS_PER_SYSCALL);
        } finally {
            channel.unsafe().closeForcibly();
        }
    }
}
