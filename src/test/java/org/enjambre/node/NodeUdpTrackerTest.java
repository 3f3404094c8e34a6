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

/** A node started with a tracker and a UDP port serves BEP 15 there, on the tracker's registry, and counts it. */
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
            String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + node.webPort() + "/metrics"))
                    .timeout(java.time.Duration.ofSeconds(5)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            // At least one of each per client (a slow first answer on a loaded machine may be asked again).
            assertThat(count(metrics, "announce")).isGreaterThanOrEqualTo(2);
            assertThat(count(metrics, "connect")).isGreaterThanOrEqualTo(2);
            assertThat(count(metrics, "bad_connection_id")).isZero();
            // The node's registry counted them too, though the UDP path skips its Vert.x future.
            java.util.regex.Matcher registryCount = java.util.regex.Pattern.compile(
                    "(?m)^enjambre_tracker_announces_total(?:\\{[^}]*})? ([0-9.E]+)").matcher(metrics);
            assertThat(registryCount.find()).as(metrics).isTrue();
            assertThat(Double.parseDouble(registryCount.group(1))).isGreaterThanOrEqualTo(2);
        }
    }

    static double count(String metrics, String kind) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("enjambre_tracker_udp_datagrams_total\\{kind=\"" + kind
                + "\",node=\"udp\"} ([0-9.E]+)").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }
}
