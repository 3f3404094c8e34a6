package org.enjambre.tracker.protocol;

import java.util.List;
import org.enjambre.net.PeerAddress;

/**
 * What a tracker answers one announce, before it is encoded ({@link TrackerResponses#announce}):
 * the swarm's counts and the peers for the asker. For a compact request the peers come already
 * packed ({@code compact4}: 6-byte IPv4 entries, {@code compact6}: 18-byte IPv6 entries, BEP 23/7)
 * and {@code peers} is empty: packing where the peers are picked saves a list of objects per
 * announce on the hot path.
 */
public record AnnounceAnswer(SwarmStats stats, List<PeerEntry> peers, byte[] compact4, byte[] compact6) {

    /** Peers as a list (the dictionary model, or any caller that wants objects). */
    public AnnounceAnswer(SwarmStats stats, List<PeerEntry> peers) {
        this(stats, peers, null, null);
    }

    public boolean packed() {
        return compact4 != null;
    }

    /** Packs a list of peers into the compact form, IPv4 and IPv6 apart, in list order. */
    public static AnnounceAnswer packed(SwarmStats stats, List<PeerEntry> peers) {
        List<PeerAddress> addresses = peers.stream().map(PeerEntry::address).toList();
        return new AnnounceAnswer(stats, List.of(), PeerAddress.encodeCompact(addresses, false),
                PeerAddress.encodeCompact(addresses, true));
    }
}
