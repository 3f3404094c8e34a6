package org.enjambre.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {
    @Test
    void portsComeFromBelowTheEphemeralRangeNeverTwiceAndAreFreeToBind() throws Exception {
        String[] range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim().split("\\s+");
        int ephemeralLow = Integer.parseInt(range[0]);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            int port = LoopbackPorts.next();
            assertThat(port).isBetween(LoopbackPorts.LOWEST, ephemeralLow - 1);
            assertThat(seen.add(port)).as("port %d handed out twice", port).isTrue();
        }
        int port = LoopbackPorts.next();
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertThat(s.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void withNoRoomBelowTheEphemeralRangeThePortsComeFromAboveItOrAnywhere() {
        assertThat(LoopbackPorts.candidates(new int[] {32768, 60999})).containsExactly(10_000, 32768);
        assertThat(LoopbackPorts.candidates(new int[] {10500, 60999})).containsExactly(61000, 65536);
        assertThat(LoopbackPorts.candidates(new int[] {10500, 65000})).containsExactly(1024, 65536);
    }
}
