package org.enjambre.dht;

import java.util.ArrayList;
import java.util.List;
import org.enjambre.bencode.BBytes;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.BValue;
import org.enjambre.bencode.Bencode;
import org.enjambre.bencode.BencodeException;

/**
 * What a node keeps across runs: its id (so its neighbours still find it where they left it) and
 * the good nodes of its table (so it rejoins without a bootstrap node). Saved as a bencoded
 * dictionary: {@code id}, {@code nodes} (compact IPv4), {@code nodes6} (compact IPv6).
 */
public record DhtState(NodeId id, List<NodeInfo> nodes) {
    /** Nodes saved at most: a full table's worth near us and far. */
    public static final int MAX_NODES = 1000;

    public DhtState {
        nodes = List.copyOf(nodes.size() > MAX_NODES ? nodes.subList(0, MAX_NODES) : nodes);
    }

    public byte[] encode() {
        return BDict.builder().put("id", id.bytes())
                .put("nodes", NodeInfo.encodeCompact(nodes, false))
                .put("nodes6", NodeInfo.encodeCompact(nodes, true))
                .build().encode();
    }

    /** Reads a saved state; a damaged file is an {@link IllegalArgumentException} (the caller starts afresh). */
    public static DhtState decode(byte[] bytes) {
        try {
            BValue root = Bencode.parse(bytes);
            if (!(root instanceof BDict d) || !(d.get("id") instanceof BBytes id)) {
                throw new IllegalArgumentException("not a DHT state: no id");
            }
            List<NodeInfo> nodes = new ArrayList<>();
            if (d.get("nodes") instanceof BBytes v4) {
                nodes.addAll(NodeInfo.decodeCompact(v4.bytes(), false));
            }
            if (d.get("nodes6") instanceof BBytes v6) {
                nodes.addAll(NodeInfo.decodeCompact(v6.bytes(), true));
            }
            return new DhtState(NodeId.of(id.bytes()), nodes);
        } catch (BencodeException e) {
            throw new IllegalArgumentException("not a DHT state: " + e.getMessage(), e);
        }
    }
}
