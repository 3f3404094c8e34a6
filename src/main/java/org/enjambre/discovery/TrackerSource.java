package org.enjambre.discovery;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.function.Supplier;
import org.enjambre.net.PeerOrigin;
import org.enjambre.tracker.client.Announcer;
import org.enjambre.tracker.client.TrackerClient;
import org.enjambre.tracker.protocol.TransferStats;

/**
 * A torrent's trackers as a peer source: an {@link Announcer} ({@code started}, re-announces,
 * {@code completed}, {@code stopped}) whose every answer's peers go to the sink as
 * {@link PeerOrigin#TRACKER}.
 */
public final class TrackerSource implements PeerSource {
    private final Vertx vertx;
    private final TrackerClient client;
    private final Supplier<TransferStats> stats;
    private final Announcer.Options options;
    private Announcer announcer;
    private boolean completed;
    private boolean stopped;

    /**
     * @param client the torrent's trackers; closed when the source stops
     * @param stats  the engine's true counts, read at each announce
     */
    public TrackerSource(Vertx vertx, TrackerClient client, Supplier<TransferStats> stats, Announcer.Options options) {
        this.vertx = vertx;
        this.client = client;
        this.stats = stats;
        this.options = options;
    }

    @Override
    public synchronized void start(PeerSink sink) {
        if (announcer != null || stopped) {
            return;
        }
        announcer = Announcer.create(vertx, client, stats,
                peers -> peers.forEach(p -> sink.addPeer(p, PeerOrigin.TRACKER)), options);
        announcer.start();
        if (completed) {
            announcer.completed();
        }
    }

    /** The download has just completed: the trackers are told {@code completed} once. */
    public synchronized void completed() {
        completed = true;
        if (announcer != null) {
            announcer.completed();
        }
    }

    @Override
    public synchronized Future<Void> stop() {
        stopped = true;
        return announcer == null ? client.close().otherwiseEmpty() : announcer.stop();
    }
}
