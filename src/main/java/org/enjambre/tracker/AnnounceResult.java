package org.enjambre.tracker;

import java.util.List;

/**
 * What the registry answers to one announce: the swarm's counts and the peers for the asker.
 * For a compact request the peers come already packed ({@code compact4}: 6-byte IPv4 entries,
 * {@code compact6}: 18-byte IPv6 entries, BEP 23/7) and {@code peers} is empty: packing where the
 * peers are picked saves a list of objects per announce on the hot path.
 */
public record AnnounceResult(SwarmStats stats, List<PeerEndpoint> peers, byte[] compact4, byte[] compact6) {

    /** Peers as a list (the dictionary model, or any caller that wants objects). */
    public AnnounceResult(SwarmStats stats, List<PeerEndpoint> peers) {
        this(stats, peers, null, null);
    }

    public boolean packed() {
        return compact4 != null;
    }

    /** Packs a list of peers into the compact form. */
    public static AnnounceResult packed(SwarmStats stats, List<PeerEndpoint> peers) {
        int v6 = 0;
        for (PeerEndpoint p : peers) {
            v6 += p.ipv6() ? 1 : 0;
        }
        byte[] four = new byte[(peers.size() - v6) * 6];
        byte[] six = new byte[v6 * 18];
        int i4 = 0;
        int i6 = 0;
        for (PeerEndpoint p : peers) {
            if (p.ipv6()) {
                i6 = put(six, i6, p);
            } else {
                i4 = put(four, i4, p);
            }
        }
        return new AnnounceResult(stats, List.of(), four, six);
    }

    private static int put(byte[] out, int at, PeerEndpoint p) {
        System.arraycopy(p.ip(), 0, out, at, p.ip().length);
        at += p.ip().length;
        out[at++] = (byte) (p.port() >>> 8);
        out[at++] = (byte) p.port();
        return at;
    }
}
