package org.enjambre.tracker.protocol;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.enjambre.net.PeerAddress;

/**
 * A tracker's successful answer to an announce, parsed by {@link AnnounceCodec#parseResponse}.
 * A {@code failure reason} never becomes one of these: it is a {@link TrackerFailureException}.
 *
 * @param interval    how long to wait before the next regular announce
 * @param minInterval the tracker's floor for announces, if it gave one
 * @param complete    seeders in the swarm, if told
 * @param incomplete  leechers in the swarm, if told
 * @param trackerId   a {@code tracker id} to send back on later announces, if given
 * @param warning     a {@code warning message}, if any (the answer is still valid)
 * @param peers       IPv4 peers ({@code peers}, compact or dictionary model) then IPv6 peers
 *                    ({@code peers6}), without duplicates, in the tracker's order
 */
public record AnnounceResponse(Duration interval, Optional<Duration> minInterval, OptionalLong complete,
                               OptionalLong incomplete, Optional<String> trackerId, Optional<String> warning,
                               List<PeerEntry> peers) {
    public AnnounceResponse {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(minInterval, "minInterval");
        Objects.requireNonNull(complete, "complete");
        Objects.requireNonNull(incomplete, "incomplete");
        Objects.requireNonNull(trackerId, "trackerId");
        Objects.requireNonNull(warning, "warning");
        peers = List.copyOf(peers);
    }

    /** Just the addresses of {@link #peers()}, what a peer engine dials. */
    public List<PeerAddress> peerAddresses() {
        return peers.stream().map(PeerEntry::address).toList();
    }
}
