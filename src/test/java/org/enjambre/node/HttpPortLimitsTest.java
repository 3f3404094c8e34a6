package org.enjambre.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.enjambre.net.HttpLimits;
import org.enjambre.testutil.LoopbackSockets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The node's real HTTP ports (web and tracker) against clients that never finish a request. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HttpPortLimitsTest {
    @TempDir
    static Path dir;
    static EnjambreNode node;
    final LoopbackSockets sockets = new LoopbackSockets();

    @BeforeAll
    static void start() throws Exception {
        node = EnjambreNode.start(new NodeSettings("limits", "127.0.0.1", 0, 0, true, 0, 60, dir, 0, 1 << 20), null);
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    @org.junit.jupiter.api.AfterEach
    void closeSockets() throws IOException {
        sockets.close();
    }

    @Test
    void halfSentRequestIsClosedAfterTheHeaderTimeoutOnTheWebAndTrackerPorts() throws Exception {
        Socket web = sockets.open("127.0.0.1", node.webPort());
        Socket tracker = sockets.open("127.0.0.1", node.trackerPort());
        web.getOutputStream().write("GET /api/node HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
        tracker.getOutputStream().write("GET /announce?info_hash=".getBytes(StandardCharsets.US_ASCII));
        long started = System.nanoTime();
        // Meanwhile, whole requests are answered.
        assertThat(LoopbackSockets.get(sockets.open("127.0.0.1", node.trackerPort()), "/announce")).startsWith("HTTP/1.1 200");
        // Margin for a loaded machine, still well before the 30 s idle timeout.
        long limit = HttpLimits.DEFAULT_HEADER_TIMEOUT.toMillis() + 10_000;
        assertThat(LoopbackSockets.closedWithin(web, (int) limit)).as("web port").isTrue();
        assertThat(LoopbackSockets.closedWithin(tracker, (int) limit)).as("tracker port").isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(limit);
    }

    @Test
    void elevenHundredHalfSentRequestsDoNotStarveRealAnnounces() throws Exception {
        // 1,100 sockets from 10 addresses (under the per-address cap), each stuck half-way through an announce.
        List<Socket> flood = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < 1_100; i++) {
            Socket s = sockets.open("127.0.1." + (1 + i % 10), node.trackerPort());
            s.getOutputStream().write("GET /announce?info_hash=".getBytes(StandardCharsets.US_ASCII));
            flood.add(s);
        }
        // Real announces from another address are answered, with peers, while the flood holds.
        String infoHash = "%01".repeat(20);
        for (String peer : new String[] {"aaaaaaaaaaaa", "bbbbbbbbbbbb"}) {
            String answer = LoopbackSockets.get(sockets.open("127.0.0.1", node.trackerPort()),
                    "/announce?info_hash=" + infoHash + "&peer_id=-TT0001-" + peer + "&port=6881&left=1&compact=1");
            assertThat(answer).startsWith("HTTP/1.1 200").contains("5:peers").doesNotContain("failure reason");
        }
        assertThat(flood.stream().filter(Socket::isClosed)).isEmpty();
        int stillOpen = 0;
        for (Socket s : flood.subList(0, 10)) {
            if (!LoopbackSockets.closedWithin(s, 1)) {
                stillOpen++;
            }
        }
        long servedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        if (servedAfter < HttpLimits.DEFAULT_HEADER_TIMEOUT.toMillis()) {
            assertThat(stillOpen).as("the announces were served while the flood held its sockets").isEqualTo(10);
        }
        // Then the header timeout clears the flood (margin for a loaded machine).
        long limit = HttpLimits.DEFAULT_HEADER_TIMEOUT.toMillis() + 15_000;
        for (Socket s : flood) {
            assertThat(LoopbackSockets.closedWithin(s, Math.max(1, limit - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))))
                    .as("a half-sent announce is closed").isTrue();
        }
    }

    @Test
    void announceAskingConnectionCloseGetsItsAnswerThenTheEndOfTheStream() throws Exception {
        // As BitTorrent clients announce: one request per connection; the server answers and closes.
        Socket client = sockets.open("127.0.0.1", node.trackerPort());
        client.getOutputStream().write(("GET /announce?info_hash=" + "%02".repeat(20)
                + "&peer_id=-TT0001-cccccccccccc&port=6881&left=1&compact=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        client.setSoTimeout(10_000);
        byte[] all = client.getInputStream().readAllBytes(); // returns at the server's FIN; a timeout throws
        String answer = new String(all, StandardCharsets.ISO_8859_1);
        assertThat(answer).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close").contains("5:peers")
                .endsWith("e");
    }

    @Test
    void trackerPortRefusesConnectionsPastThePerAddressCapAtOnce() throws Exception {
        int cap = HttpLimits.TRACKER_MAX_PER_ADDRESS;
        List<Socket> flood = new ArrayList<>();
        for (int i = 0; i < cap + 10; i++) {
            flood.add(sockets.open("127.0.0.2", node.trackerPort()));
        }
        // Each event loop accepts on its own socket (SO_REUSEPORT), so which ten come past the cap is
        // the kernel's choice, not the order of connecting: count the closed ones among all of them.
        java.util.Set<Socket> refused = new java.util.HashSet<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (refused.size() < 10 && System.nanoTime() < deadline) {
            for (Socket s : flood) {
                if (!refused.contains(s) && LoopbackSockets.closedWithin(s, 5)) {
                    refused.add(s);
                }
            }
        }
        Thread.sleep(300);
        for (Socket s : flood) {
            if (!refused.contains(s) && LoopbackSockets.closedWithin(s, 5)) {
                refused.add(s);
            }
        }
        assertThat(refused).hasSize(10);
        // A client at another address announces while the flood holds its cap.
        assertThat(LoopbackSockets.get(sockets.open("127.0.0.1", node.trackerPort()), "/announce")).startsWith("HTTP/1.1 200");
    }
}
