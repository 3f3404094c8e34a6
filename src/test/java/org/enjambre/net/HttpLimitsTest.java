package org.enjambre.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link HttpLimits} on a plain Vert.x server with short timeouts: what every HTTP port of a node gets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpLimitsTest {
    // Generous margins: the machine may be loaded, timers fire late; each test keeps the timeout it
    // checks far from the other one, so that it is clear which one closed the connection.
    static final HttpLimits HEADERS = new HttpLimits("test port", Duration.ofSeconds(1), Duration.ofSeconds(20), 4, 6);
    static final HttpLimits IDLE = new HttpLimits("test port", Duration.ofSeconds(20), Duration.ofSeconds(2), 4, 6);
    static final HttpLimits CAPS = new HttpLimits("test port", Duration.ofSeconds(5), Duration.ofSeconds(20), 4, 6);

    Vertx vertx;
    final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    int serve(HttpLimits limits) throws Exception {
        HttpServer server = vertx.createHttpServer(limits.options(new HttpServerOptions().setHost("127.0.0.1")));
        return await(limits.guard(vertx, server, 0, request -> request.response().end("hello")).listen(0)).actualPort();
    }

    Socket open(String from, int port) throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        return s;
    }

    /** Reads until the server closes (true) or {@code waitMillis} pass with the socket open (false). */
    static boolean closedWithin(Socket s, long waitMillis) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        InputStream in = s.getInputStream();
        byte[] sink = new byte[4096];
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return false;
            }
            s.setSoTimeout((int) left);
            try {
                if (in.read(sink) < 0) {
                    return true;
                }
            } catch (SocketTimeoutException open) {
                return false;
            } catch (SocketException reset) {
                return true;
            }
        }
    }

    static String answer(Socket s) throws IOException {
        s.setSoTimeout(5_000);
        byte[] buf = new byte[4096];
        int n = s.getInputStream().read(buf);
        return n < 0 ? "" : new String(buf, 0, n, StandardCharsets.ISO_8859_1);
    }

    @Test
    void clientSendingHalfARequestIsClosedAfterTheHeaderTimeout() throws Exception {
        int port = serve(HEADERS);
        Socket half = open("127.0.0.1", port);
        half.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: x\r\nX-Dripping".getBytes(StandardCharsets.US_ASCII));
        long started = System.nanoTime();
        assertThat(closedWithin(half, 15_000)).isTrue();
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(tookMillis).as("closed by the header timeout, not the idle one").isBetween(800L, 12_000L);
    }

    @Test
    void idleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        int port = serve(IDLE);
        Socket keepAlive = open("127.0.0.1", port);
        keepAlive.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(answer(keepAlive)).startsWith("HTTP/1.1 200").endsWith("hello");
        long started = System.nanoTime();
        assertThat(closedWithin(keepAlive, 15_000)).isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isBetween(1500L, 12_000L);
    }

    @Test
    void connectionsPastTheCapsAreRefusedAtOnceAndTheirSlotsComeBack() throws Exception {
        int port = serve(CAPS);
        List<Socket> fromOne = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            fromOne.add(open("127.0.0.2", port));
        }
        Thread.sleep(1_000);
        int refused = 0;
        for (Socket s : fromOne) {
            if (closedWithin(s, 50)) {
                refused++;
            }
        }
        assertThat(refused).as("past the cap of 4 per address").isEqualTo(2);
        // Another address is still served while the first one holds its cap.
        Socket other = open("127.0.0.3", port);
        other.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(answer(other)).startsWith("HTTP/1.1 200");
        // The held sockets time out (no headers) and give their slots back.
        for (Socket s : fromOne) {
            assertThat(closedWithin(s, 15_000)).isTrue();
        }
        Socket again = open("127.0.0.2", port);
        again.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(answer(again)).startsWith("HTTP/1.1 200");
    }
}
