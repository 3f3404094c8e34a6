package org.enjambre.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.enjambre.report.ReportBridge.Refusal;
import org.enjambre.testutil.LoopbackSockets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The report bridge against raw sockets on loopback: a peer with the token publishes its own state
 * and nothing else; every other frame is refused, counted, and ends the connection.
 */
@Timeout(60)
class ReportBridgeTest {
    static final String TOKEN = "report-token-for-tests-0123456789";

    Vertx vertx;
    ReportBridge bridge;
    final LinkedBlockingQueue<Object> published = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<Object> elsewhere = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        vertx.eventBus().consumer(StateSchema.STATE_ADDRESS, m -> published.add(m.body()));
        vertx.eventBus().consumer("enjambre.tracker", m -> elsewhere.add(m.body()));
        vertx.eventBus().consumer("__vertx.anything", m -> elsewhere.add(m.body()));
        bridge = new ReportBridge("127.0.0.1", 0, TOKEN);
        vertx.deployVerticle(bridge).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    /** A blocking client speaking the bridge's frames. */
    final class Peer implements AutoCloseable {
        final Socket socket;
        final DataOutputStream out;
        final DataInputStream in;

        Peer() throws IOException {
            socket = new Socket("127.0.0.1", bridge.actualPort());
            socket.setSoTimeout(10_000);
            out = new DataOutputStream(socket.getOutputStream());
            in = new DataInputStream(socket.getInputStream());
        }

        void send(JsonObject frame) throws IOException {
            byte[] json = frame.encode().getBytes(StandardCharsets.UTF_8);
            out.writeInt(json.length);
            out.write(json);
            out.flush();
        }

        JsonObject read() throws IOException {
            int length = in.readInt();
            byte[] b = new byte[length];
            in.readFully(b);
            return new JsonObject(new String(b, StandardCharsets.UTF_8));
        }

        /** Reads the refusal, then sees the bridge close the connection. */
        JsonObject refusalThenClose() throws IOException {
            JsonObject err = read();
            assertThat(in.read()).as("the bridge closes after a refusal").isEqualTo(-1);
            return err;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    static JsonObject publish(String address, String token, Object body) {
        JsonObject f = new JsonObject().put("type", "publish").put("address", address).put("body", body);
        if (token != null) {
            f.put("headers", new JsonObject().put("token", token));
        }
        return f;
    }

    @Test
    void aPeerWithTheTokenPublishesItsStateOnTheBus() throws Exception {
        try (Peer peer = new Peer()) {
            peer.send(publish(StateSchema.STATE_ADDRESS, TOKEN, StateSchemaTest.validState("node-a")));
            Object got = published.poll(10, TimeUnit.SECONDS);
            assertThat(got).isInstanceOf(JsonObject.class);
            assertThat(((JsonObject) got).getString("id")).isEqualTo("node-a");
            peer.send(new JsonObject().put("type", "ping").put("headers", new JsonObject().put("token", TOKEN)));
            assertThat(peer.read().getString("type")).isEqualTo("pong");
        }
        assertThat(bridge.accepted()).isEqualTo(1);
    }

    @Test
    void oneAddressPastItsCapIsRefusedAtOnceWhileAnotherIsServed() throws Exception {
        try (LoopbackSockets sockets = new LoopbackSockets()) {
            java.util.List<Socket> fromOne = new java.util.ArrayList<>();
            for (int i = 0; i < ReportBridge.MAX_PER_ADDRESS + 3; i++) {
                fromOne.add(sockets.open("127.0.0.2", bridge.actualPort()));
            }
            int refused = 0;
            for (Socket s : fromOne) {
                if (LoopbackSockets.closedWithin(s, 200)) {
                    refused++;
                }
            }
            assertThat(refused).as("past the cap of " + ReportBridge.MAX_PER_ADDRESS + " per address").isEqualTo(3);
            assertThat(bridge.refused(Refusal.CONNECTIONS)).isEqualTo(3);
            // A peer from another address still reports.
            try (Peer peer = new Peer()) {
                peer.send(publish(StateSchema.STATE_ADDRESS, TOKEN, StateSchemaTest.validState("node-b")));
                assertThat(published.poll(10, TimeUnit.SECONDS)).isInstanceOf(JsonObject.class);
            }
        }
    }

    @Test
    void aWrongTokenIsRefusedCountedAndDisconnected() throws Exception {
        try (Peer peer = new Peer()) {
            peer.send(publish(StateSchema.STATE_ADDRESS, TOKEN + "x", StateSchemaTest.validState("node-a")));
            assertThat(peer.refusalThenClose().getString("type")).isEqualTo("err");
        }
        try (Peer peer = new Peer()) {
            peer.send(publish(StateSchema.STATE_ADDRESS, null, StateSchemaTest.validState("node-a")));
            peer.refusalThenClose();
        }
        try (Peer peer = new Peer()) {
            // A register without the token: refused before its type is even looked at.
            peer.send(new JsonObject().put("type", "register").put("address", StateSchema.STATE_ADDRESS));
            peer.refusalThenClose();
        }
        assertThat(bridge.refused(Refusal.TOKEN)).isEqualTo(3);
        assertThat(published.poll(500, TimeUnit.MILLISECONDS)).as("nothing reached the bus").isNull();
        assertThat(bridge.accepted()).isZero();
    }

    @Test
    void anyOtherAddressIsRefusedEvenWithTheToken() throws Exception {
        for (String address : new String[] {"enjambre.tracker", "__vertx.anything"}) {
            try (Peer peer = new Peer()) {
                peer.send(publish(address, TOKEN, StateSchemaTest.validTracker()));
                assertThat(peer.refusalThenClose().getString("message")).isEqualTo("access_denied");
            }
            try (Peer peer = new Peer()) {
                peer.send(publish(address, TOKEN, StateSchemaTest.validTracker()).put("type", "send"));
                peer.refusalThenClose();
            }
        }
        assertThat(bridge.refused(Refusal.ADDRESS)).isEqualTo(4);
        assertThat(elsewhere.poll(500, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void nothingGoesOutRegisteringIsRefusedEvenWithTheToken() throws Exception {
        try (Peer peer = new Peer()) {
            peer.send(new JsonObject().put("type", "register").put("address", StateSchema.STATE_ADDRESS)
                    .put("headers", new JsonObject().put("token", TOKEN)));
            peer.refusalThenClose();
        }
        assertThat(bridge.refused(Refusal.TYPE)).isEqualTo(1);
    }

    @Test
    void aForgedStateIsDroppedAndCountedWhileTheConnectionStays() throws Exception {
        JsonObject noRates = StateSchemaTest.validState("node-a");
        noRates.remove("rates");
        JsonObject claimsTracker = StateSchemaTest.validState("node-a").put("tracker", true);
        try (Peer peer = new Peer()) {
            peer.send(publish(StateSchema.STATE_ADDRESS, TOKEN, noRates));
            assertThat(peer.read().getString("message")).isEqualTo("invalid state: state.rates is missing");
            peer.send(publish(StateSchema.STATE_ADDRESS, TOKEN, StateSchemaTest.validState("node-a").put("time", "now")));
            peer.read();
            peer.send(publish(StateSchema.STATE_ADDRESS, TOKEN, claimsTracker));
            peer.read();
            peer.send(publish(StateSchema.STATE_ADDRESS, TOKEN, StateSchemaTest.validState("node-a")));
            assertThat(((JsonObject) published.poll(10, TimeUnit.SECONDS)).getString("id")).isEqualTo("node-a");
        }
        assertThat(bridge.refused(Refusal.SCHEMA)).isEqualTo(3);
        assertThat(published).isEmpty();
    }

    @Test
    void anOversizedFrameIsRefusedBeforeItIsRead() throws Exception {
        try (Peer peer = new Peer()) {
            peer.out.writeInt(BridgeFrames.MAX_FRAME_BYTES + 1);
            peer.out.flush();
            assertThat(peer.refusalThenClose().getString("type")).isEqualTo("err");
        }
        try (Peer peer = new Peer()) {
            peer.out.writeInt(5);
            peer.out.write("[1,2]".getBytes(StandardCharsets.US_ASCII));
            peer.out.flush();
            peer.refusalThenClose();
        }
        assertThat(bridge.refused(Refusal.FRAME)).isEqualTo(2);
    }

    @Test
    void aConnectionReportsOneNodeOnly() throws Exception {
        try (Peer peer = new Peer()) {
            peer.send(publish(StateSchema.STATE_ADDRESS, TOKEN, StateSchemaTest.validState("node-a")));
            assertThat(published.poll(10, TimeUnit.SECONDS)).isNotNull();
            peer.send(publish(StateSchema.STATE_ADDRESS, TOKEN, StateSchemaTest.validState("node-b")));
            peer.refusalThenClose();
        }
        assertThat(bridge.refused(Refusal.IDENTITY)).isEqualTo(1);
        assertThat(published.poll(500, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void aFloodOfFramesEndsTheConnection() throws Exception {
        try (Peer peer = new Peer()) {
            for (int i = 0; i <= ReportBridge.MAX_FRAMES_PER_SECOND; i++) {
                peer.send(new JsonObject().put("type", "ping").put("headers", new JsonObject().put("token", TOKEN)));
            }
            JsonObject last = null;
            try {
                for (int i = 0; i <= ReportBridge.MAX_FRAMES_PER_SECOND; i++) {
                    last = peer.read();
                }
            } catch (java.io.EOFException | SocketTimeoutException e) {
                // closed after the refusal
            }
            assertThat(last).isNotNull();
            assertThat(last.getString("type")).isEqualTo("err");
        }
        assertThat(bridge.refused(Refusal.RATE)).isEqualTo(1);
    }
}
