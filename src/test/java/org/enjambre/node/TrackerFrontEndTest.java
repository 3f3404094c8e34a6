package org.enjambre.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.enjambre.testutil.LoopbackSockets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The tracker port's lean HTTP front end, against clients that send requests in unusual shapes. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TrackerFrontEndTest {
    static TrackerNode node;
    final LoopbackSockets sockets = new LoopbackSockets();

    @BeforeAll
    static void start() throws Exception {
        node = TrackerNode.start(new TrackerSettings("127.0.0.1", 0, 60, null, 1 << 20), null, 1);
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    @AfterEach
    void closeSockets() throws IOException {
        sockets.close();
    }

    static String announce(int hashByte, String peer, int port) {
        return "/announce?info_hash=" + String.format(Locale.ROOT, "%%%02x", hashByte).repeat(20)
                + "&peer_id=-TT0001-" + peer + "&port=" + port + "&left=1&compact=1";
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** One HTTP/1.x answer read from {@code in}: the head, then exactly content-length bytes of body. */
    static String readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("stream ended inside an answer's head: " + head);
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        return text + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }

    @Test
    void announceSentAByteAtATimeAcrossManySegmentsIsAnswered() throws Exception {
        Socket client = sockets.open("127.0.0.1", node.port());
        client.setTcpNoDelay(true);
        client.setSoTimeout(10_000);
        OutputStream out = client.getOutputStream();
        byte[] request = ascii("GET " + announce(3, "aaaaaaaaaaaa", 6881) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        for (byte b : request) {
            out.write(b);
            out.flush();
            if (b == '&' || b == '\n') {
                Thread.sleep(5); // the server sees separate reads, not one coalesced segment
            }
        }
        String answer = new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(answer).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close")
                .contains("8:intervali").contains("5:peers").doesNotContain("failure reason");
    }

    @Test
    void anAnnounceLongerThanTheReadAtAcceptIsAnsweredWhole() throws Exception {
        // The front end reads what came with the connection at once (2 KiB); the rest of a longer
        // head comes through Netty's own reading. Header lines of 6 KB, sent in one write.
        Socket client = sockets.open("127.0.0.1", node.port());
        client.setSoTimeout(10_000);
        StringBuilder headers = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            headers.append("X-Padding-").append(i).append(": ").append("p".repeat(90)).append("\r\n");
        }
        client.getOutputStream().write(ascii("GET " + announce(12, "aaaaaaaaaaaa", 6881) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + headers + "Connection: close\r\n\r\n"));
        String answer = new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(answer).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close")
                .contains("5:peers").doesNotContain("failure reason");
    }

    @Test
    void pipelinedKeepAliveRequestsAreAnsweredInOrderOnOneConnection() throws Exception {
        Socket client = sockets.open("127.0.0.1", node.port());
        client.setSoTimeout(10_000);
        String host = " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        client.getOutputStream().write(ascii("GET " + announce(4, "bbbbbbbbbbbb", 7001) + host
                + "GET /scrape?info_hash=" + "%04".repeat(20) + host
                + "GET " + announce(4, "cccccccccccc", 7002) + host
                + "GET /api/cluster" + host));
        InputStream in = client.getInputStream();
        String first = readAnswer(in);
        String scrape = readAnswer(in);
        String third = readAnswer(in);
        String api = readAnswer(in);
        assertThat(first).startsWith("HTTP/1.1 200").contains("8:completei0e").contains("10:incompletei1e");
        assertThat(scrape).startsWith("HTTP/1.1 200").contains("5:files").contains("10:incompletei1e");
        // The third sees the first peer: answers follow the requests' order.
        assertThat(third).startsWith("HTTP/1.1 200").contains("10:incompletei2e")
                .contains(new String(new byte[] {127, 0, 0, 1, 0x1b, 0x59}, StandardCharsets.ISO_8859_1));
        // The REST API, asked last on the same connection, is still served (by the full HTTP server).
        assertThat(api).startsWith("HTTP/1.1 200").contains("\"size\":1");
        assertThat(LoopbackSockets.closedWithin(client, 200)).as("keep-alive: the connection stays").isFalse();
    }

    @Test
    void aLongPipelineFromAClientThatReadsLateIsAnsweredInFullAndInOrder() throws Exception {
        int requests = 2_000;
        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(4096); // the server's writes back up soon: it must stop reading, not queue
            client.connect(new java.net.InetSocketAddress("127.0.0.1", node.port()), 5_000);
            client.setSoTimeout(20_000);
            StringBuilder pipeline = new StringBuilder();
            for (int i = 0; i < requests; i++) {
                pipeline.append("GET ").append(announce(8, String.format(Locale.ROOT, "p%011d", i), 10_000 + i))
                        .append("&numwant=50&ip=10.0.").append(i / 250).append('.').append(i % 250 + 1).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            }
            byte[] bytes = ascii(pipeline.toString());
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    client.getOutputStream().write(bytes);
                } catch (IOException e) {
                    // the read side below fails the test
                }
            });
            Thread.sleep(1_000);
            InputStream in = client.getInputStream();
            for (int i = 0; i < requests; i++) {
                String answer = readAnswer(in);
                assertThat(answer).as("answer %d", i).startsWith("HTTP/1.1 200")
                        .contains("10:incompletei" + (i + 1) + "e");
            }
            writer.join(10_000);
        }
    }

    @Test
    void otherPathsAndMethodsAreStillServedByTheFullHttpServer() throws Exception {
        Socket api = sockets.open("127.0.0.1", node.port());
        api.setSoTimeout(10_000);
        api.getOutputStream().write(ascii("GET /api/nothing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        assertThat(readAnswer(api.getInputStream())).startsWith("HTTP/1.1 404").contains("\"error\"");
        // Then an announce on the same, handed-over connection is answered too.
        api.getOutputStream().write(ascii("GET " + announce(5, "dddddddddddd", 7003) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        assertThat(readAnswer(api.getInputStream())).startsWith("HTTP/1.1 200").contains("5:peers");
        Socket post = sockets.open("127.0.0.1", node.port());
        post.setSoTimeout(10_000);
        post.getOutputStream().write(ascii("POST /announce HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\nabc"));
        assertThat(readAnswer(post.getInputStream())).startsWith("HTTP/1.1 405");
    }

    @Test
    void anAnnounceOnAHandedOverConnectionIsRegisteredAtTheClientsOwnAddressNotLoopbacks() throws Exception {
        // The full server sees handed-over connections coming from 127.0.0.1; an announce from
        // loopback may name any address (ip=), so it must know who is really behind them.
        Socket client = sockets.open("127.0.0.7", node.port());
        client.setSoTimeout(10_000);
        client.getOutputStream().write(ascii("GET /api/cluster HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        assertThat(readAnswer(client.getInputStream())).startsWith("HTTP/1.1 200");
        client.getOutputStream().write(ascii("GET " + announce(9, "iiiiiiiiiiii", 7101) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        assertThat(readAnswer(client.getInputStream())).startsWith("HTTP/1.1 200").doesNotContain("failure reason");
        String other = LoopbackSockets.get(sockets.open("127.0.0.1", node.port()), announce(9, "jjjjjjjjjjjj", 7102));
        assertThat(other).contains("5:peers6:" + new String(new byte[] {127, 0, 0, 7, 0x1b, (byte) 0xbd}, StandardCharsets.ISO_8859_1));
    }

    @Test
    void http10AnnounceIsAnsweredInHttp10AndClosedUnlessItAsksToKeepTheConnection() throws Exception {
        Socket closing = sockets.open("127.0.0.1", node.port());
        closing.setSoTimeout(10_000);
        closing.getOutputStream().write(ascii("GET " + announce(6, "eeeeeeeeeeee", 7004) + " HTTP/1.0\r\n\r\n"));
        String answer = new String(closing.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(answer).startsWith("HTTP/1.0 200").contains("5:peers");
        Socket keeping = sockets.open("127.0.0.1", node.port());
        keeping.setSoTimeout(10_000);
        keeping.getOutputStream().write(ascii("GET " + announce(6, "ffffffffffff", 7005) + " HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
        assertThat(readAnswer(keeping.getInputStream())).startsWith("HTTP/1.0 200").containsIgnoringCase("connection: keep-alive");
        assertThat(LoopbackSockets.closedWithin(keeping, 200)).isFalse();
    }

    @Test
    void anOversizedRequestLineIsRefusedWith414AndClosedWithoutWaitingForItsEnd() throws Exception {
        Socket client = sockets.open("127.0.0.1", node.port());
        client.setSoTimeout(10_000);
        client.getOutputStream().write(ascii("GET /announce?info_hash=" + "a".repeat(64 * 1024)));
        String answer = new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(answer).startsWith("HTTP/1.1 414");
        // The port still serves others.
        assertThat(LoopbackSockets.get(sockets.open("127.0.0.1", node.port()), "/announce")).startsWith("HTTP/1.1 200");
    }

    @Test
    void anAnnounceFromIpv6LoopbackIsAnsweredWithIpv6Peers() throws Exception {
        try (TrackerNode v6 = TrackerNode.start(new TrackerSettings("::1", 0, 60, null, 1 << 20), null, 1)) {
            for (String peer : new String[] {"gggggggggggg", "hhhhhhhhhhhh"}) {
                String answer;
                try (Socket client = new Socket("::1", v6.port())) {
                    client.setSoTimeout(10_000);
                    client.getOutputStream().write(ascii("GET " + announce(7, peer, 7006) + " HTTP/1.1\r\nConnection: close\r\n\r\n"));
                    answer = new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                }
                assertThat(answer).startsWith("HTTP/1.1 200").doesNotContain("failure reason");
                if (peer.startsWith("h")) {
                    assertThat(answer).contains("6:peers6").contains("18:");
                }
            }
        }
    }
}
