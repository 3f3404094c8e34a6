package org.enjambre.discovery;

import io.vertx.core.Future;

/**
 * One way of finding peers for one torrent. Between {@link #start} and {@link #stop} it pushes
 * every candidate it learns into the sink, tagged with where it came from; it never dials.
 */
public interface PeerSource {
    /** Starts finding peers for the torrent; candidates go to {@code sink}. Only the first call counts. */
    void start(PeerSink sink);

    /** Stops finding peers (a tracker is told {@code stopped}); never fails, bounded in time. */
    Future<Void> stop();
}
