package org.enjambre.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A peer's report client moves on from a bridge that accepts the connection and then says nothing. */
@Timeout(60)
class ReportClientTest {
    static final String TOKEN = "report-token-for-tests-0123456789";

    Vertx member;
    Vertx peer;

    @AfterEach
    void stop() throws Exception {
        for (Vertx v : new Vertx[] {peer, member}) {
            if (v != null) {
                v.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aSilentBridgeIsGivenUpForTheNextOne() throws Exception {
        member = Vertx.vertx();
        peer = Vertx.vertx();
        LinkedBlockingQueue<Object> heard = new LinkedBlockingQueue<>();
        member.eventBus().consumer(StateSchema.STATE_ADDRESS, m -> heard.add(m.body()));
        ReportBridge bridge = new ReportBridge("127.0.0.1", 0, TOKEN);
        member.deployVerticle(bridge).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);

        // Accepts (the kernel does, from its backlog) and never answers: a member that froze or vanished.
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            ReportClient client = new ReportClient(List.of(SocketAddress.inetSocketAddress(silent.getLocalPort(), "127.0.0.1"),
                    SocketAddress.inetSocketAddress(bridge.actualPort(), "127.0.0.1")), TOKEN);
            peer.deployVerticle(client).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
            long timer = peer.setPeriodic(500, t -> peer.eventBus().publish(StateSchema.STATE_ADDRESS,
                    StateSchemaTest.validState("the-peer")));
            try (Socket accepted = silent.accept()) {
                assertThat(accepted.isConnected()).isTrue();
                Object state = heard.poll(ReportClient.SILENT_MILLIS / 1000 + 20, TimeUnit.SECONDS);
                assertThat(state).as("reported through the second bridge").isNotNull();
                assertThat(((JsonObject) state).getString("id")).isEqualTo("the-peer");
                assertThat(client.connectedTo().port()).isEqualTo(bridge.actualPort());
            } finally {
                peer.cancelTimer(timer);
            }
        }
    }
}
