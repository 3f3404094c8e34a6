package org.enjambre.tracker.protocol;

import java.util.List;
import java.util.Objects;
import org.enjambre.net.PeerAddress;

/**
 * A UDP tracker's answer as a client reads it (BEP 15), decoded by
 * {@link UdpTrackerCodec#decodeResponse}. Every answer repeats the transaction id of its request.
 */
public sealed interface UdpTrackerResponse {
    int transactionId();

    /** The answer to {@code connect}: the connection id to use for about a minute. */
    record Connected(int transactionId, long connectionId) implements UdpTrackerResponse {
    }

    /**
     * The answer to {@code announce}.
     *
     * @param intervalSeconds how long to wait before the next regular announce
     * @param peers           IPv4 peers from a tracker reached over IPv4, IPv6 peers over IPv6
     */
    record Announced(int transactionId, int intervalSeconds, int leechers, int seeders, List<PeerAddress> peers)
            implements UdpTrackerResponse {
        public Announced {
            peers = List.copyOf(peers);
        }
    }

    /** The answer to {@code scrape}: counts in the order of the request's info-hashes. */
    record Scraped(int transactionId, List<SwarmStats> stats) implements UdpTrackerResponse {
        public Scraped {
            stats = List.copyOf(stats);
        }
    }

    /** {@code error}: the tracker's message, for any request. */
    record Error(int transactionId, String message) implements UdpTrackerResponse {
        public Error {
            Objects.requireNonNull(message, "message");
        }
    }
}
