package org.enjambre.discovery;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.enjambre.dht.DhtNode;
import org.enjambre.dht.NodeId;
import org.enjambre.metainfo.InfoHash;
import org.enjambre.net.PeerOrigin;

/**
 * The Mainline DHT as a peer source for one torrent: it announces the torrent (a get_peers lookup,
 * then announce_peer to the nearest nodes), and every peer the lookups find goes to the sink as
 * {@link PeerOrigin#DHT}. It looks again soon while it has found nobody (the DHT may still be
 * filling; the delay doubles each time) and every {@link Timing#reannounce} after; a private torrent (BEP 27) never gets one.
 */
public final class DhtSource implements PeerSource {
    /**
     * @param retry      delay before the next lookup while none has found a peer
     * @param reannounce delay between announces once peers were found (announces expire after 30 min)
     */
    public record Timing(Duration retry, Duration reannounce) {
        public static Timing defaults() {
            return new Timing(Duration.ofSeconds(15), Duration.ofMinutes(10));
        }
    }

    private final Vertx vertx;
    private final DhtNode dht;
    private final NodeId infoHash;
    private final int port;
    private final Timing timing;
    private PeerSink sink;
    private long timer = -1;
    private Duration nextRetry;
    private boolean stopped;

    /** @param port the TCP port our peers listen on, announced with the torrent */
    public DhtSource(Vertx vertx, DhtNode dht, InfoHash infoHash, int port, Timing timing) {
        this.vertx = vertx;
        this.dht = dht;
        this.infoHash = NodeId.of(infoHash.bytes());
        this.port = port;
        this.timing = timing;
        this.nextRetry = timing.retry();
    }

    @Override
    public synchronized void start(PeerSink sink) {
        if (this.sink != null || stopped) {
            return;
        }
        this.sink = sink;
        announce();
    }

    private void announce() {
        // Each answer's peers go to the sink at once: the lookup itself may still wait for slow nodes.
        dht.announce(infoHash, port, peers -> {
            synchronized (this) {
                if (!stopped) {
                    peers.forEach(p -> sink.addPeer(p, PeerOrigin.DHT));
                }
            }
        }).onComplete(ar -> {
            int found = 0;
            if (ar.succeeded()) {
                synchronized (this) {
                    if (!stopped) {
                        ar.result().peers().forEach(p -> sink.addPeer(p, PeerOrigin.DHT));
                        found = ar.result().peers().size();
                    }
                }
            }
            schedule(found > 0 ? timing.reannounce() : retryDelay());
        });
    }

    /** Doubles up to the re-announce period: a torrent nobody else has costs a lookup now and then, not a stream. */
    private synchronized Duration retryDelay() {
        Duration delay = nextRetry;
        nextRetry = nextRetry.multipliedBy(2).compareTo(timing.reannounce()) > 0 ? timing.reannounce() : nextRetry.multipliedBy(2);
        return delay;
    }

    private synchronized void schedule(Duration delay) {
        if (!stopped) {
            timer = vertx.setTimer(Math.max(1, delay.toMillis()), t -> announce());
        }
    }

    @Override
    public synchronized Future<Void> stop() {
        stopped = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        return Future.succeededFuture();
    }
}
