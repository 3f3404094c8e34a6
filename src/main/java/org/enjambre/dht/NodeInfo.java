package org.enjambre.dht;

import java.util.ArrayList;
import java.util.List;
import org.enjambre.net.PeerAddress;

/**
 * A DHT node as KRPC names it: its id and its UDP address. The compact form is 26 bytes for IPv4
 * ({@code nodes}) and 38 for IPv6 ({@code nodes6}, BEP 32).
 */
public record NodeInfo(NodeId id, PeerAddress address) {
    public static final int COMPACT_IPV4 = NodeId.LENGTH + PeerAddress.COMPACT_IPV4;
    public static final int COMPACT_IPV6 = NodeId.LENGTH + PeerAddress.COMPACT_IPV6;

    public NodeInfo {
        if (id == null || address == null) {
            throw new IllegalArgumentException("a node needs an id and an address");
        }
        if (address.ip().isEmpty()) {
            throw new IllegalArgumentException("a DHT node's address is an IP literal, not " + address.host());
        }
    }

    /** Compact node infos of one family, concatenated; nodes of the other family are left out. */
    public static byte[] encodeCompact(List<NodeInfo> nodes, boolean ipv6) {
        int size = ipv6 ? COMPACT_IPV6 : COMPACT_IPV4;
        byte[] out = new byte[nodes.size() * size];
        int at = 0;
        for (NodeInfo n : nodes) {
            if (n.address().isIpv6() == ipv6) {
                System.arraycopy(n.id().bytes(), 0, out, at, NodeId.LENGTH);
                byte[] compact = n.address().compact();
                System.arraycopy(compact, 0, out, at + NodeId.LENGTH, compact.length);
                at += size;
            }
        }
        return at == out.length ? out : java.util.Arrays.copyOf(out, at);
    }

    /**
     * Reads a {@code nodes} (26 bytes each) or {@code nodes6} (38 each) string; a length that is not
     * a multiple is refused, entries with port 0 are skipped (they cannot be queried).
     */
    public static List<NodeInfo> decodeCompact(byte[] data, boolean ipv6) {
        int size = ipv6 ? COMPACT_IPV6 : COMPACT_IPV4;
        if (data.length % size != 0) {
            throw new IllegalArgumentException("compact nodes of " + data.length + " bytes: not a multiple of " + size);
        }
        List<NodeInfo> out = new ArrayList<>(data.length / size);
        for (int at = 0; at < data.length; at += size) {
            int port = ((data[at + size - 2] & 0xff) << 8) | (data[at + size - 1] & 0xff);
            if (port == 0) {
                continue;
            }
            byte[] id = java.util.Arrays.copyOfRange(data, at, at + NodeId.LENGTH);
            out.add(new NodeInfo(NodeId.of(id), PeerAddress.fromCompact(data, at + NodeId.LENGTH, size - NodeId.LENGTH)));
        }
        return out;
    }
}
