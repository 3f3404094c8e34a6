package org.enjambre.testutil;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FreePortsTest {

    @Test
    void portsComeFromOutsideTheRangeTheKernelPicksOutgoingPortsFrom() {
        int[] ephemeral = FreePorts.ephemeralRange();
        for (int i = 0; i < 50; i++) {
            int port = FreePorts.next();
            assertThat(port).isGreaterThanOrEqualTo(FreePorts.LOWEST).isLessThanOrEqualTo(65_535);
            assertThat(port >= ephemeral[0] && port <= ephemeral[1]).as("port %d in %d-%d", port, ephemeral[0], ephemeral[1])
                    .isFalse();
        }
    }

    @Test
    void noPortIsHandedOutTwice() {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            assertThat(seen.add(FreePorts.next())).isTrue();
        }
    }

    @Test
    void aPortHandedOutTakesATcpListenerAndAUdpSocket() throws Exception {
        int port = FreePorts.next();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket tcp = new ServerSocket(port, 1, loopback);
             DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, port))) {
            assertThat(tcp.getLocalPort()).isEqualTo(port);
            assertThat(udp.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void aPortHeldForTcpOrForUdpIsNotFree() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        int tcpPort = FreePorts.next();
        int udpPort = FreePorts.next();
        assertThat(FreePorts.free(tcpPort)).isTrue();
        try (ServerSocket tcp = new ServerSocket(tcpPort, 1, loopback);
             DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, udpPort))) {
            assertThat(FreePorts.free(tcpPort)).isFalse();
            assertThat(FreePorts.free(udpPort)).isFalse();
        }
        assertThat(FreePorts.free(tcpPort)).isTrue();
    }
}
