package org.enjambre.tracker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.enjambre.net.HttpLimits;
import org.enjambre.testutil.LoopbackSockets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How many event loops serve the tracker's HTTP port, and what a connection that sends nothing meets there. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpFrontEndLoopsTest {
    private static final HttpLimits ONE_SECOND_HEADERS = new HttpLimits("test tracker port", Duration.ofSeconds(1),
            Duration.ofSeconds(30), 8, 64);

    @Test
    void byDefaultHalfTheCoresServeThePortAndAtLeastOne() {
        int cores = Runtime.getRuntime().availableProcessors();
        assertThat(HttpFrontEnd.defaultLoops()).isEqualTo(Math.max(1, cores / 2));
    }

    @Test
    void eachServingLoopAcceptsOnItsOwnSocketWithTheNativeTransport() {
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(4));
        try {
            for (int loops : new int[] {1, 2}) {
                HttpFrontEnd frontEnd = frontEnd(loops);
                vertx.deployVerticle(frontEnd).await();
                // NIO has one accepting socket whatever the count (its acceptor hands connections to every loop).
                assertThat(frontEnd.acceptingSockets()).isEqualTo(vertx.isNativeTransportEnabled() ? loops : 1);
            }
        } finally {
            vertx.close().await();
        }
    }

    @Test
    void aFrontEndWithoutAnEventLoopIsRefused() {
        assertThatThrownBy(() -> frontEnd(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
    }

    @Test
    void aConnectionThatNeverSendsAByteIsStillClosedByTheHeaderDeadline() throws Exception {
        // The kernel holds such a connection back (TCP_DEFER_ACCEPT) for about a second, then hands it
        // over anyway: the header deadline and the per-address cap still see it.
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
        try (LoopbackSockets sockets = new LoopbackSockets()) {
            HttpFrontEnd frontEnd = frontEnd(1);
            vertx.deployVerticle(frontEnd).await();
            long started = System.nanoTime();
            Socket silent = sockets.open("127.0.0.1", frontEnd.actualPort());
            // A second of deferral, a second of header deadline, its sweep; margin for a loaded machine.
            assertThat(LoopbackSockets.closedWithin(silent, 15_000)).isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
                    .as("not closed before its header deadline").isGreaterThanOrEqualTo(900);
        } finally {
            vertx.close().await();
        }
    }

    private static HttpFrontEnd frontEnd(int loops) {
        // No request reaches the tracker or the full server in these tests.
        return new HttpFrontEnd(null, "127.0.0.1", 0, ONE_SECOND_HEADERS, new InetSocketAddress("127.0.0.1", 9),
                new HandOvers(), loops);
    }
}
