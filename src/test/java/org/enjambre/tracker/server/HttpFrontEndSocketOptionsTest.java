package org.enjambre.tracker.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

class HttpFrontEndSocketOptionsTest {

    @Test
    void acceptedConnectionsGetNoSocketOptionOfOursOnEitherTransport() {
        onEitherTransport((nativeTransport, bootstrap) -> {
            // Each option on an accepted socket is one more system call per announce.
            assertThat(bootstrap.config().childOptions()).as("native %s", nativeTransport).isEmpty();
            assertThat(bootstrap.config().options()).containsEntry(ChannelOption.SO_BACKLOG, HttpFrontEnd.ACCEPT_BACKLOG)
                    .containsEntry(ChannelOption.SO_REUSEADDR, true);
            if (nativeTransport) {
                assertThat(bootstrap.config().options().keySet()).extracting(ChannelOption::name)
                        .anyMatch(name -> name.endsWith("SO_REUSEPORT"));
            }
        });
    }

    @Test
    void theListeningSocketsDeferAcceptUntilTheRequestArrivesOnEpollOnly() {
        onEitherTransport((nativeTransport, bootstrap) -> {
            // One wake-up per connection fewer: the accept comes with the announce's bytes.
            if (nativeTransport) {
                assertThat(bootstrap.config().options())
                        .containsEntry(EpollChannelOption.TCP_DEFER_ACCEPT, HttpFrontEnd.DEFER_ACCEPT_SECONDS);
            } else {
                assertThat(bootstrap.config().options()).doesNotContainKey(EpollChannelOption.TCP_DEFER_ACCEPT);
            }
        });
    }

    /** The front end's listening options as set on a Vert.x that prefers the native transport, then on one that does not. */
    private static void onEitherTransport(BiConsumer<Boolean, ServerBootstrap> check) {
        for (boolean preferNative : new boolean[] {true, false}) {
            Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(preferNative));
            try {
                check.accept(vertx.isNativeTransportEnabled(), HttpFrontEnd.socketOptions(((VertxInternal) vertx).transport(),
                        new ServerBootstrap(), vertx.isNativeTransportEnabled()));
            } finally {
                vertx.close().await();
            }
        }
    }
}
