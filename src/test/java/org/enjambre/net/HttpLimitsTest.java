package org.enjambre.net;

import static org.enjambre.testutil.Futures.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.enjambre.testutil.LoopbackSockets;
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
    final LoopbackSockets sockets = new LoopbackSockets();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() throws Exception {
        sockets.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    int serve(HttpLimits limits) throws Exception {
        HttpServer server = vertx.createHttpServer(limits.options(new HttpServerOptions().setHost("127.0.0.1")));
        return await(limits.guard(vertx, server, 0, request -> request.response().end("hello")).listen(0)).actualPort();
    }

    /** A keep-alive connection to {@code port} whose first request was answered. */
    Socket keepAliveAfterOneAnswer(int port) throws Exception {
        Socket keepAlive = sockets.open("127.0.0.1", port);
        assertThat(LoopbackSockets.get(keepAlive, "/")).startsWith("HTTP/1.1 200").endsWith("hello");
        return keepAlive;
    }

    @Test
    void clientSendingHalfARequestIsClosedAfterTheHeaderTimeout() throws Exception {
        int port = serve(HEADERS);
        Socket half = sockets.open("127.0.0.1", port);
        half.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: x\r\nX-Dripping".getBytes(StandardCharsets.US_ASCII));
        long started = System.nanoTime();
        assertThat(LoopbackSockets.closedWithin(half, 15_000)).isTrue();
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(tookMillis).as("closed by the header timeout, not the idle one").isBetween(800L, 12_000L);
    }

    @Test
    void idleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        Socket keepAlive = keepAliveAfterOneAnswer(serve(IDLE));
        long started = System.nanoTime();
        assertThat(LoopbackSockets.closedWithin(keepAlive, 15_000)).isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isBetween(1500L, 12_000L);
    }

    @Test
    void keepAliveClientTricklingItsNextRequestIsClosedAfterTheIdleTimeout() throws Exception {
        Socket keepAlive = keepAliveAfterOneAnswer(serve(IDLE));
        long started = System.nanoTime();
        OutputStream out = keepAlive.getOutputStream();
        out.write("GET /next HTTP/1.1\r\nHost: x\r\nX-Dripping: ".getBytes(StandardCharsets.US_ASCII));
        // A byte every 300 ms: Vert.x's idle timer (2 s, reset by every byte) never fires; only the
        // deadline for the next request's headers can close it. Bounded: 50 x 300 ms.
        boolean closed = false;
        for (int i = 0; i < 50 && !closed; i++) {
            try {
                out.write('a');
                out.flush();
                closed = LoopbackSockets.closedWithin(keepAlive, 300);
            } catch (IOException reset) {
                closed = true;
            }
        }
        assertThat(closed).as("closed while still trickling").isTrue();
        // Far below the 20 s header timeout of a first request.
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isBetween(1500L, 12_000L);
    }

    @Test
    void requestAnsweredSlowerThanTheHeaderTimeoutIsNotCut() throws Exception {
        HttpServer server = vertx.createHttpServer(HEADERS.options(new HttpServerOptions().setHost("127.0.0.1")));
        int port = await(HEADERS.guard(vertx, server, 0,
                request -> vertx.setTimer(2_500, id -> request.response().end("late"))).listen(0)).actualPort();
        Socket client = sockets.open("127.0.0.1", port);
        client.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        client.setSoTimeout(10_000);
        byte[] buf = new byte[4096];
        int n = client.getInputStream().read(buf);
        assertThat(n).isPositive();
        assertThat(new String(buf, 0, n, StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200").endsWith("late");
    }

    @Test
    void connectionsPastTheCapsAreRefusedAtOnceAndTheirSlotsComeBack() throws Exception {
        int port = serve(CAPS);
        List<Socket> fromOne = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            fromOne.add(sockets.open("127.0.0.2", port));
        }
        Thread.sleep(1_000);
        int refused = 0;
        for (Socket s : fromOne) {
            if (LoopbackSockets.closedWithin(s, 50)) {
                refused++;
            }
        }
        assertThat(refused).as("past the cap of 4 per address").isEqualTo(2);
        // Another address is still served while the first one holds its cap.
        Socket other = sockets.open("127.0.0.3", port);
        assertThat(LoopbackSockets.get(other, "/")).startsWith("HTTP/1.1 200");
        // The held sockets time out (no headers) and give their slots back.
        for (Socket s : fromOne) {
            assertThat(LoopbackSockets.closedWithin(s, 15_000)).isTrue();
        }
        // The client sees the close a moment before the server's close handler gives the slot
        // back: a few tries, bounded, the last one must be served.
        String answer = "";
        for (int attempt = 0; attempt < 20 && !answer.startsWith("HTTP/1.1 200"); attempt++) {
            if (attempt > 0) {
                Thread.sleep(100);
            }
            answer = LoopbackSockets.get(sockets.open("127.0.0.2", port), "/");
        }
        assertThat(answer).startsWith("HTTP/1.1 200");
    }
}
