package org.enjambre.report;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.enjambre.net.ConnectionSlots;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one door from peer nodes into the cluster, run by each member: a TCP server speaking the
 * frames of Vert.x's TCP event-bus bridge ({@link BridgeFrames}) that accepts exactly one thing,
 * a peer node publishing its own state on {@link StateSchema#STATE_ADDRESS} with the report token.
 * Nothing goes out (no {@code register}: a peer never reads the cluster's bus), a frame without
 * the token or to any other address closes the connection, a state that breaks the schema is
 * dropped, and a connection keeps the node id it first reported. Every refusal is counted by reason.
 *
 * <p>Written here rather than taken from {@code vertx-tcp-eventbus-bridge}, whose 5.0.7 server
 * buffers a frame of any declared length, has no hook on connect and forwards client headers
 * (codec names included) onto the bus.
 */
public final class ReportBridge extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(ReportBridge.class);
    /** Peer connections open at once; more are closed at once. */
    public static final int MAX_CONNECTIONS = 256;
    /** A peer reports once a second; more frames than this in one second close the connection. */
    public static final int MAX_FRAMES_PER_SECOND = 10;
    /** A connection silent this long is closed (a peer reports every second). */
    public static final int IDLE_TIMEOUT_SECONDS = 30;
    /**
     * Connections one address may hold: a peer node keeps one, so this leaves room for the demo's
     * peers on 127.0.0.1 (up to 17) and a few nodes behind one NAT, never the whole port.
     */
    public static final int MAX_PER_ADDRESS = 32;
    /** Connections that have not yet sent a frame with the report token, all addresses together. */
    public static final int MAX_HALF_OPEN = 64;

    /** Why a frame or a connection was refused. */
    public enum Refusal {
        /** no token, or not the cluster's */
        TOKEN,
        /** an address other than {@code enjambre.state} */
        ADDRESS,
        /** register, unregister, or an unknown frame type */
        TYPE,
        /** not a JSON object, or a length past {@link BridgeFrames#MAX_FRAME_BYTES} */
        FRAME,
        /** a state that breaks docs/state.md (dropped; the connection stays) */
        SCHEMA,
        /** a state under another node id than the connection's first */
        IDENTITY,
        /** more than {@link #MAX_FRAMES_PER_SECOND} */
        RATE,
        /** past {@link #MAX_CONNECTIONS}, {@link #MAX_PER_ADDRESS} or {@link #MAX_HALF_OPEN} */
        CONNECTIONS
    }

    private final String host;
    private final int port;
    private final byte[] tokenDigest;
    private final Map<Refusal, AtomicLong> refused = new EnumMap<>(Refusal.class);
    private final AtomicLong accepted = new AtomicLong();
    private final Set<NetSocket> connections = new HashSet<>();
    private final ConnectionSlots slots = new ConnectionSlots("report bridge",
            new ConnectionSlots.Limits(MAX_HALF_OPEN, MAX_PER_ADDRESS));
    private NetServer server;

    /**
     * @param host  the address to listen on (the peers must reach it; the member port need not be there)
     * @param port  0 for any free port
     * @param token the report token every frame must carry
     */
    public ReportBridge(String host, int port, String token) {
        if (token == null || token.length() < 16) {
            throw new IllegalArgumentException("the report token must be at least 16 characters");
        }
        this.host = host;
        this.port = port;
        this.tokenDigest = BridgeFrames.digest(token);
        for (Refusal r : Refusal.values()) {
            refused.put(r, new AtomicLong());
        }
    }

    @Override
    public Future<?> start() {
        return vertx.createNetServer(new NetServerOptions().setHost(host).setPort(port)
                        .setIdleTimeout(IDLE_TIMEOUT_SECONDS))
                .connectHandler(this::connected)
                .listen()
                .onSuccess(s -> {
                    server = s;
                    LOG.info("report bridge on {}:{}", host, s.actualPort());
                });
    }

    @Override
    public Future<?> stop() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    public int actualPort() {
        return server.actualPort();
    }

    /** Frames or connections refused for {@code reason} since start. */
    public long refused(Refusal reason) {
        return refused.get(reason).get();
    }

    /** States published on the cluster's bus since start. */
    public long accepted() {
        return accepted.get();
    }

    private void connected(NetSocket socket) {
        if (connections.size() >= MAX_CONNECTIONS) {
            refused.get(Refusal.CONNECTIONS).incrementAndGet();
            socket.close();
            return;
        }
        String ip = socket.remoteAddress() == null ? "?" : socket.remoteAddress().hostAddress();
        ConnectionSlots.Slot slot;
        switch (slots.admit(ip)) {
            case ConnectionSlots.Refused r -> {
                refused.get(Refusal.CONNECTIONS).incrementAndGet();
                socket.close();
                return;
            }
            case ConnectionSlots.Admitted a -> slot = a.slot();
        }
        connections.add(socket);
        socket.closeHandler(v -> {
            connections.remove(socket);
            slot.release();
        });
        socket.exceptionHandler(e -> socket.close());
        new Connection(socket, slot).start();
    }

    /** One peer's connection: the frame parser and what it has reported so far. */
    private final class Connection {
        private final NetSocket socket;
        private final ConnectionSlots.Slot slot;
        private boolean closed;
        private String nodeId;
        private long windowStart = System.nanoTime();
        private int framesInWindow;

        Connection(NetSocket socket, ConnectionSlots.Slot slot) {
            this.socket = socket;
            this.slot = slot;
        }

        void start() {
            socket.handler(BridgeFrames.parser(BridgeFrames.MAX_FRAME_BYTES, b -> {
                if (!closed) {
                    frame(b);
                }
            }, length -> refuse(Refusal.FRAME, "frame length " + Integer.toUnsignedString(length) + " outside 2.."
                    + BridgeFrames.MAX_FRAME_BYTES)));
        }

        private void frame(Buffer json) {
            long now = System.nanoTime();
            if (now - windowStart > 1_000_000_000L) {
                windowStart = now;
                framesInWindow = 0;
            }
            if (++framesInWindow > MAX_FRAMES_PER_SECOND) {
                refuse(Refusal.RATE, "more than " + MAX_FRAMES_PER_SECOND + " frames a second");
                return;
            }
            JsonObject frame;
            try {
                frame = new JsonObject(json);
            } catch (DecodeException | ClassCastException e) {
                refuse(Refusal.FRAME, "not a JSON object");
                return;
            }
            Object token = frame.getValue("headers") instanceof JsonObject h ? h.getValue(BridgeFrames.TOKEN_HEADER) : null;
            if (!BridgeFrames.tokenMatches(tokenDigest, token instanceof String s ? s : null)) {
                refuse(Refusal.TOKEN, "access_denied");
                return;
            }
            // The token proves a peer of this cluster: the socket no longer counts as half-open.
            slot.greeted();
            String type = frame.getValue("type") instanceof String t ? t : "";
            switch (type) {
                case "ping" -> socket.write(BridgeFrames.encode(new JsonObject().put("type", "pong")));
                case "publish", "send" -> {
                    if (!StateSchema.STATE_ADDRESS.equals(frame.getValue("address"))) {
                        refuse(Refusal.ADDRESS, "access_denied");
                    } else {
                        state(frame.getValue("body"));
                    }
                }
                default -> refuse(Refusal.TYPE, "access_denied");
            }
        }

        private void state(Object body) {
            var problem = StateSchema.stateProblem(body);
            if (problem.isEmpty() && ((JsonObject) body).getBoolean("tracker")) {
                problem = java.util.Optional.of("a node reporting through the bridge runs no tracker");
            }
            if (problem.isPresent()) {
                // Dropped, not fatal: a node of another version should not flap its connection.
                refused.get(Refusal.SCHEMA).incrementAndGet();
                LOG.debug("report bridge: dropped a state from {}: {}", socket.remoteAddress(), problem.get());
                socket.write(BridgeFrames.encode(BridgeFrames.error("invalid state: " + problem.get())));
                return;
            }
            JsonObject state = (JsonObject) body;
            String id = state.getString("id");
            if (nodeId == null) {
                nodeId = id;
            } else if (!nodeId.equals(id)) {
                refuse(Refusal.IDENTITY, "a connection reports one node");
                return;
            }
            accepted.incrementAndGet();
            vertx.eventBus().publish(StateSchema.STATE_ADDRESS, state);
        }

        private void refuse(Refusal reason, String message) {
            closed = true;
            refused.get(reason).incrementAndGet();
            LOG.warn("report bridge: refused {} ({}): {}", socket.remoteAddress(), reason, message);
            socket.write(BridgeFrames.encode(BridgeFrames.error(message))).onComplete(ar -> socket.close());
        }
    }
}
