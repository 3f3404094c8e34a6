package org.enjambre.tracker.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import org.junit.jupiter.api.Test;

class HttpFrontEndSocketOptionsTest {

    @Test
    void acceptedConnectionsGetNoSocketOptionOfOursOnEitherTransport() {
        for (boolean preferNative : new boolean[] {true, false}) {
            Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(preferNative));
            try {
                ServerBootstrap bootstrap = HttpFrontEnd.socketOptions(((VertxInternal) vertx).transport(),
                        new ServerBootstrap(), vertx.isNativeTransportEnabled());
                // Each option on an accepted socket is one more system call per announce.
                assertThat(bootstrap.config().childOptions()).as("native %s", preferNative).isEmpty();
                assertThat(bootstrap.config().options()).containsEntry(ChannelOption.SO_BACKLOG, HttpFrontEnd.ACCEPT_BACKLOG)
                        .containsEntry(ChannelOption.SO_REUSEADDR, true);
                if (vertx.isNativeTransportEnabled()) {
                    assertThat(bootstrap.config().options().keySet()).extracting(ChannelOption::name)
                            .anyMatch(name -> name.endsWith("SO_REUSEPORT"));
                }
            } finally {
                vertx.close().await();
            }
        }
    }

    @Test
    void theListeningSocketsDeferAcceptUntilTheRequestArrivesOnEpollOnly() {
        for (boolean preferNative : new boolean[] {true, false}) {
            Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(preferNative));
            try {
                ServerBootstrap bootstrap = HttpFrontEnd.socketOptions(((VertxInternal) vertx).transport(),
                        new ServerBootstrap(), vertx.isNativeTransportEnabled());
                // One wake-up per connection fewer: the accept comes with the announce's bytes.
                if (vertx.isNativeTransportEnabled()) {
                    assertThat(bootstrap.config().options())
                            .containsEntry(EpollChannelOption.TCP_DEFER_ACCEPT, HttpFrontEnd.DEFER_ACCEPT_SECONDS);
                } else {
                    assertThat(bootstrap.config().options()).doesNotContainKey(EpollChannelOption.TCP_DEFER_ACCEPT);
                }
            } finally {
                vertx.close().await();
            }
        }
    }
}
