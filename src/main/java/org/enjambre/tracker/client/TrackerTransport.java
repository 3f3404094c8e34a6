package org.enjambre.tracker.client;

import io.vertx.core.Future;
import org.enjambre.tracker.protocol.AnnounceRequest;
import org.enjambre.tracker.protocol.AnnounceResponse;

/**
 * How one announce reaches one tracker URL: one implementation per URL scheme ({@code http}/
 * {@code https}, {@code udp} with BEP 15), under the tier and failover logic of
 * {@link TrackerClient}.
 */
interface TrackerTransport {
    /**
     * Sends {@code request} to {@code url} and parses the answer. Fails with a
     * {@link org.enjambre.tracker.protocol.TrackerFailureException} for a {@code failure reason},
     * another {@link org.enjambre.tracker.protocol.TrackerException} or an I/O error otherwise.
     */
    Future<AnnounceResponse> announce(String url, AnnounceRequest request);

    /** Releases the transport's sockets; announces after this fail. */
    Future<Void> close();
}
