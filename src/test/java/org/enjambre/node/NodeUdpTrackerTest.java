package org.enjambre.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.enjambre.net.PeerAddress;
import org.enjambre.testutil.FreePorts;
import org.enjambre.tracker.protocol.UdpTrackerResponse;
import org.enjambre.web.WebAccess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A node started with a tracker and a UDP port serves BEP 15 there, on the tracker's registry. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NodeUdpTrackerTest {
    @TempDir
    Path dir;

    @Test
    void aNodeWithATrackerUdpPortAnswersAnnouncesThere() throws Exception {
        int udpPort = FreePorts.next();
        NodeSettings settings = new NodeSettings("udp", "127.0.0.1", 0, 0, true, 0, 60, dir.resolve("data"), 0, 1 << 20,
                null, 0, 0, WebAccess.local(), dir.resolve("state"), udpPort);
        try (EnjambreNode node = EnjambreNode.start(settings, null);
             UdpTrackerProbe first = new UdpTrackerProbe();
             UdpTrackerProbe second = new UdpTrackerProbe()) {
            byte[] infoHash = new byte[20];
            infoHash[0] = 7;
            first.announce(udpPort, first.connect(udpPort), infoHash, "-EJ0001-000000040001", 40001, 0);
            UdpTrackerResponse answer = second.announce(udpPort, second.connect(udpPort), infoHash,
                    "-EJ0001-000000040002", 40002, 1000);
            assertThat(answer).isInstanceOf(UdpTrackerResponse.Announced.class);
            UdpTrackerResponse.Announced announced = (UdpTrackerResponse.Announced) answer;
            assertThat(announced.peers()).containsExactly(new PeerAddress("127.0.0.1", 40001));
            assertThat(announced.seeders()).isEqualTo(1);
            assertThat(announced.intervalSeconds()).isEqualTo(60);
        }
    }
}
