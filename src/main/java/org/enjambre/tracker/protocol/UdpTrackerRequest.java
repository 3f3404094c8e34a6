package org.enjambre.tracker.protocol;

import java.util.List;
import java.util.Objects;

/**
 * What a UDP tracker reads from one datagram (BEP 15): a {@link Connect}, an {@link Announce}, a
 * {@link Scrape}; a {@link Malformed} request it can still answer with an error (the header, and
 * so the transaction id, was readable); or an {@link Ignored} datagram that deserves no answer at
 * all (too short for a header, a connect without the protocol id: not a BEP 15 client).
 * Decoded and encoded by {@link UdpTrackerCodec}.
 */
public sealed interface UdpTrackerRequest {

    /** {@code connect}: asks for a connection id. */
    record Connect(int transactionId) implements UdpTrackerRequest {
    }

    /**
     * {@code announce}.
     *
     * @param request the announce; {@code numwant} is {@link AnnounceParser#DEFAULT_NUMWANT} when the
     *                packet said -1 (the default), and at most {@link AnnounceParser#MAX_NUMWANT}, as over HTTP; {@code key} is the 32-bit
     *                key as 8 lowercase hex digits, the form our HTTP client sends
     * @param ipv4    the packet's IP address field (0: the sender's address), big-endian
     * @param urlData the BEP 41 URLData options concatenated (the announce URL's path and query), or
     *                empty
     */
    record Announce(long connectionId, int transactionId, AnnounceRequest request, int ipv4, String urlData)
            implements UdpTrackerRequest {
        public Announce {
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(urlData, "urlData");
        }
    }

    /** {@code scrape}: counts for each info-hash (20 raw bytes each, at least one). */
    record Scrape(long connectionId, int transactionId, List<byte[]> infoHashes) implements UdpTrackerRequest {
        public Scrape {
            infoHashes = List.copyOf(infoHashes);
        }
    }

    /**
     * A request with a readable header but a bad body: answered with an error, if the sender may
     * be answered (see the server's rule on unconnected addresses).
     *
     * @param connectionId the connection id the packet carried (0 for a connect)
     * @param reason       what is wrong, for the client
     */
    record Malformed(long connectionId, int transactionId, String reason) implements UdpTrackerRequest {
    }

    /** A datagram that is not a BEP 15 request: nothing is sent back. */
    record Ignored(String reason) implements UdpTrackerRequest {
    }
}
