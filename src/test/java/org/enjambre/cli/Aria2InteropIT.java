package org.enjambre.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.enjambre.swarm.TestTorrents;
import org.enjambre.testutil.FreePorts;
import org.enjambre.testutil.Interop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * aria2c downloads from {@code enjambre seed}. aria2c cannot be told to dial a peer, so a tiny
 * tracker inside the test introduces them: every announce is answered with the seed's address.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class Aria2InteropIT {
    @TempDir
    Path dir;

    @Test
    void aria2DownloadsByteExactFromEnjambreSeed() throws Exception {
        Path aria2 = Interop.requireExecutable("aria2c", "aria2");
        int seedPort = FreePorts.next();
        AtomicInteger announces = new AtomicInteger();
        java.util.List<String> queries = new java.util.concurrent.CopyOnWriteArrayList<>();
        HttpServer tracker = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        tracker.createContext("/announce", exchange -> {
            announces.incrementAndGet();
            queries.add(String.valueOf(exchange.getRequestURI().getRawQuery()));
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.writeBytes("d8:intervali30e5:peers6:".getBytes());
            body.writeBytes(new byte[] {127, 0, 0, 1, (byte) (seedPort >> 8), (byte) seedPort});
            body.writeBytes("e".getBytes());
            byte[] bytes = body.toByteArray();
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        tracker.start();
        try {
            String announce = "http://127.0.0.1:" + tracker.getAddress().getPort() + "/announce";
            Path content = TestTorrents.randomFile(dir.resolve("data/aria.bin"), 9L * 1024 * 1024 + 555, 31);
            TestTorrents.create(content, 256 * 1024, dir.resolve("a.torrent"), announce);
            try (Proc seed = Proc.enjambre("enjambre seed", dir, "seed", "a.torrent", "--data", "data", "--allow-private-trackers",
                    "--port", String.valueOf(seedPort))) {
                seed.listeningPort();
                int ariaPort = FreePorts.next();
                try (Proc aria = Proc.start("aria2c", dir, List.of(aria2.toString(), "--dir=" + dir.resolve("aria"),
                        "--seed-time=0", "--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false",
                        "--enable-peer-exchange=false", "--listen-port=" + ariaPort, "--summary-interval=0",
                        "--file-allocation=none", "--console-log-level=warn", "--bt-stop-timeout=90",
                        "--interface=127.0.0.1", dir.resolve("a.torrent").toString()))) {
                    assertThat(aria.awaitExit(120)).as("aria2c exit code; stdout %s\nseed stderr %s",
                            Proc.tail(aria.out), seed.err).isZero();
                }
                seed.terminate();
                assertThat(seed.awaitExit(20)).isZero();
            }
            assertThat(Files.mismatch(content, dir.resolve("aria/aria.bin"))).isEqualTo(-1L);
            assertThat(announces.get()).isGreaterThanOrEqualTo(2); // the seed and aria2c both announced
            // The seed announced itself as started, and stopped when it got SIGTERM, with left=0.
            assertThat(queries).anyMatch(q -> q.contains("event=started") && q.contains("left=0"));
            assertThat(queries).anyMatch(q -> q.contains("event=stopped") && q.contains("left=0"));
        } finally {
            tracker.stop(0);
        }
    }
}
