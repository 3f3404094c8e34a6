package org.enjambre.tracker.client;

import java.util.List;
import java.util.Objects;
import org.enjambre.net.PeerAddress;
import org.enjambre.tracker.protocol.AnnounceEvent;
import org.enjambre.tracker.protocol.AnnounceResponse;

/**
 * A successful announce: which tracker answered and what it said.
 *
 * @param trackerUrl the announce URL (without our query) that answered
 * @param event      the event that was sent
 * @param response   the parsed answer: interval, swarm counts, peers
 */
public record AnnounceResult(String trackerUrl, AnnounceEvent event, AnnounceResponse response) {
    public AnnounceResult {
        Objects.requireNonNull(trackerUrl, "trackerUrl");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(response, "response");
    }

    /** The peers' addresses, IPv4 then IPv6; some may be host names, not yet resolved. */
    public List<PeerAddress> peers() {
        return response.peerAddresses();
    }
}
