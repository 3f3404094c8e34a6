package org.enjambre.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The node's Vert.x really runs on Netty's epoll transport where the jar ships it (Linux x86-64). */
class NativeTransportTest {
    @Test
    void nodeVertxRunsOnEpollOnLinuxX8664() throws Exception {
        assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux")
                && System.getProperty("os.arch").matches("amd64|x86_64"), "the epoll jar is for Linux x86-64 only");
        Vertx vertx = Vertx.builder().with(NativeTransport.prefer(new VertxOptions())).build();
        try {
            assertThat(vertx.isNativeTransportEnabled())
                    .as("native transport unavailable: %s", vertx.unavailableNativeTransportCause())
                    .isTrue();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
