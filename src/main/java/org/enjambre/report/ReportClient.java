package org.enjambre.report;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.parsetools.RecordParser;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A peer node's side of the report channel: forwards the node's own state (what its
 * {@code StateVerticle} publishes on the local bus) to one of the cluster members' report bridges,
 * moving to the next one in the list when the connection fails, closes, or stops answering pings. A state published while
 * no bridge is connected, or while the connection is backed up, is dropped: the next one follows
 * a second later and replaces it.
 */
public final class ReportClient extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(ReportClient.class);
    /** Pause before trying the next bridge after a failure. */
    public static final long RETRY_MILLIS = 1000;
    /** How often the client pings the bridge it reports to. */
    public static final long PING_MILLIS = 3000;
    /**
     * A bridge that has not answered a ping for this long is given up for the next one: a member
     * that vanished (SIGKILL, pulled cable) sends no FIN, and TCP alone would notice only after minutes.
     */
    public static final long SILENT_MILLIS = 10_000;

    private final List<SocketAddress> bridges;
    private final String token;
    private MessageConsumer<Object> consumer;
    private NetClient client;
    private NetSocket socket;
    private int next;
    private boolean stopped;
    private volatile SocketAddress connectedTo;
    private long lastHeardNanos;
    private long pingTimer;

    /** @param bridges members' report bridges, tried in turn */
    public ReportClient(List<SocketAddress> bridges, String token) {
        if (bridges.isEmpty()) {
            throw new IllegalArgumentException("--report-to needs at least one HOST:PORT");
        }
        this.bridges = List.copyOf(bridges);
        this.token = token;
    }

    @Override
    public Future<?> start() {
        client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(5000));
        consumer = vertx.eventBus().localConsumer(StateSchema.STATE_ADDRESS, m -> {
            if (m.body() instanceof JsonObject state) {
                forward(state);
            }
        });
        connect();
        pingTimer = vertx.setPeriodic(PING_MILLIS, t -> ping());
        return Future.succeededFuture();
    }

    private void ping() {
        NetSocket s = socket;
        if (s == null) {
            return;
        }
        if (System.nanoTime() - lastHeardNanos > SILENT_MILLIS * 1_000_000L) {
            LOG.info("report bridge {} silent for {} s; trying the next", connectedTo, SILENT_MILLIS / 1000);
            s.close();
            return;
        }
        if (!s.writeQueueFull()) {
            s.write(BridgeFrames.encode(new JsonObject().put("type", "ping")
                    .put("headers", new JsonObject().put(BridgeFrames.TOKEN_HEADER, token))));
        }
    }

    @Override
    public Future<?> stop() {
        stopped = true;
        vertx.cancelTimer(pingTimer);
        consumer.unregister();
        return client.close();
    }

    /** The bridge this node reports to now, or null while it looks for one. */
    public SocketAddress connectedTo() {
        return connectedTo;
    }

    private void connect() {
        if (stopped) {
            return;
        }
        SocketAddress bridge = bridges.get(next);
        next = (next + 1) % bridges.size();
        client.connect(bridge).onComplete(ar -> {
            if (ar.failed()) {
                LOG.debug("report bridge {} not reachable: {}", bridge, ar.cause().toString());
                vertx.setTimer(RETRY_MILLIS, t -> connect());
                return;
            }
            NetSocket s = ar.result();
            if (stopped) {
                s.close();
                return;
            }
            socket = s;
            connectedTo = bridge;
            lastHeardNanos = System.nanoTime();
            LOG.info("reporting to the cluster through {}", bridge);
            // Answers are small (err, pong): a long one is not from a bridge.
            RecordParser parser = BridgeFrames.parser(64 * 1024, b -> answer(bridge, b), length -> s.close());
            s.handler(parser);
            s.closeHandler(v -> {
                socket = null;
                connectedTo = null;
                if (!stopped) {
                    LOG.info("report bridge {} closed the connection; trying the next", bridge);
                    vertx.setTimer(RETRY_MILLIS, t -> connect());
                }
            });
            s.exceptionHandler(e -> s.close());
        });
    }

    private void answer(SocketAddress bridge, Buffer b) {
        lastHeardNanos = System.nanoTime();
        try {
            JsonObject frame = new JsonObject(b);
            if ("err".equals(frame.getValue("type"))) {
                LOG.warn("report bridge {} refused this node's state: {}", bridge, frame.getValue("message"));
            }
        } catch (RuntimeException e) {
            LOG.debug("report bridge {} sent something that is not a frame", bridge);
        }
    }

    private void forward(JsonObject state) {
        NetSocket s = socket;
        if (s == null || s.writeQueueFull()) {
            return;
        }
        s.write(BridgeFrames.encode(BridgeFrames.publish(StateSchema.STATE_ADDRESS, token, state)));
    }
}
