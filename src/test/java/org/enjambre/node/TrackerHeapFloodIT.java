package org.enjambre.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.enjambre.cli.JavaOptions;
import org.enjambre.testutil.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14's finding: a tracker with {@code -Xmx384m} hit an OutOfMemoryError after 600,000
 * distinct info-hashes from one client, then hung with its Hazelcast member stopped. Here a
 * tracker with a smaller heap gets the same flood; its caps, sized from the heap, must turn the
 * excess into bencoded refusals while the process stays up and keeps serving the swarms it has.
 */
class TrackerHeapFloodIT {
    static final int FLOOD = 600_000;
    static final int BATCH = 200;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void aFloodOfDistinctInfoHashesEndsInRefusalsNotOutOfMemory() throws Exception {
        int port = FreePorts.next();
        try (TrackerProcess tracker = TrackerProcess.start("flooded", dir, port,
                List.of("-Xmx96m", JavaOptions.EXIT_ON_OUT_OF_MEMORY))) {
            tracker.awaitListening(Duration.ofSeconds(60));
            int accepted = 0;
            int refused = 0;
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                socket.setSoTimeout(30_000);
                OutputStream out = socket.getOutputStream();
                InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
                // Pipelined: a batch of announces written at once, then their answers read in order.
                for (int first = 0; first < FLOOD; first += BATCH) {
                    StringBuilder batch = new StringBuilder(BATCH * 200);
                    for (int i = first; i < first + BATCH; i++) {
                        batch.append("GET /announce?info_hash=").append(infoHash(i))
                                .append("&peer_id=-FL0001-000000000000&port=6881&left=1&compact=1&numwant=0 HTTP/1.1\r\n")
                                .append("Host: 127.0.0.1\r\n\r\n");
                    }
                    out.write(batch.toString().getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    for (int i = 0; i < BATCH; i++) {
                        String body;
                        try {
                            body = readResponse(in);
                        } catch (IOException e) {
                            throw new AssertionError("announce " + (first + i) + " (" + accepted + " accepted, " + refused
                                    + " refused): " + e.getMessage() + "; tracker alive: " + tracker.process.isAlive()
                                    + "\n" + tracker.logTail(), e);
                        }
                        if (body.contains("failure reason")) {
                            assertThat(body).as("refusal %d", first + i).contains("tracker full");
                            refused++;
                        } else {
                            assertThat(body).contains("8:interval");
                            accepted++;
                        }
                    }
                    assertThat(tracker.process.isAlive()).as("tracker alive after %d announces:\n%s", first + BATCH, tracker.logTail()).isTrue();
                }
            }
            assertThat(accepted + refused).isEqualTo(FLOOD);
            assertThat(refused).as("announces past the swarm cap refused").isPositive();
            assertThat(accepted).as("swarms made before the cap").isGreaterThan(1_000);
            // Still up and serving: a second peer joins the first swarm and is given the first peer.
            var r = tracker.get("/announce?info_hash=" + infoHash(0) + "&peer_id=-FL0001-111111111111&port=6882&left=1&compact=1",
                    Duration.ofSeconds(10));
            String body = new String(r.body(), StandardCharsets.ISO_8859_1);
            assertThat(body).doesNotContain("failure reason").contains("5:peers6:");
            assertThat(tracker.logTail()).doesNotContain("OutOfMemoryError");
        }
    }

    /** 20 bytes: i, then a fixed tail, percent-encoded. */
    static String infoHash(int i) {
        StringBuilder s = new StringBuilder(60);
        for (int b : new int[] {i >>> 24, i >>> 16, i >>> 8, i}) {
            s.append(String.format("%%%02x", b & 0xff));
        }
        return s.append("%46".repeat(16)).toString();
    }

    /** One HTTP/1.1 answer with a Content-Length; its body. */
    static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed after: " + head);
            }
            head.append((char) c);
        }
        int length = -1;
        for (String line : head.toString().split("\r\n")) {
            if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        if (length < 0) {
            throw new IOException("no content-length: " + head);
        }
        return new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }
}
