package org.enjambre.dht;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.enjambre.bencode.BBytes;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.BInt;
import org.enjambre.bencode.BList;
import org.enjambre.bencode.BValue;
import org.enjambre.bencode.Bencode;
import org.enjambre.bencode.BencodeException;
import org.enjambre.dht.KrpcMessage.AnnouncePeer;
import org.enjambre.dht.KrpcMessage.FindNode;
import org.enjambre.dht.KrpcMessage.GetPeers;
import org.enjambre.dht.KrpcMessage.Method;
import org.enjambre.dht.KrpcMessage.Ping;
import org.enjambre.dht.KrpcMessage.Query;
import org.enjambre.dht.KrpcMessage.Response;
import org.enjambre.net.PeerAddress;

/**
 * KRPC over bencode (BEP 5, with BEP 32 {@code nodes6} and the BEP 42 {@code ip} key): pure
 * functions of bytes. The decoder is strict about what it reads (ids of 20 bytes, ports in range,
 * compact strings of whole entries, bounded lengths) and ignores keys it does not know, as BEP 5
 * asks; every refusal is a {@link KrpcException}, which the node counts and never lets escape.
 */
public final class KrpcCodec {
    /** Largest datagram read; a KRPC message fits one unfragmented UDP packet with room to spare. */
    public static final int MAX_PACKET = 8192;
    /** Longest transaction id accepted; clients use 2 to 4 bytes. */
    public static final int MAX_TRANSACTION_ID = 16;
    /** Longest token accepted in a response or announce_peer; libtorrent's are 4 bytes, ours 8. */
    public static final int MAX_TOKEN = 64;
    /** Most peers read from one {@code values} list. */
    public static final int MAX_VALUES = 200;

    private KrpcCodec() {
    }

    public static byte[] encode(KrpcMessage message) {
        BDict.Builder top = BDict.builder().put("t", message.transactionId());
        switch (message) {
            case Query q -> {
                BDict.Builder a = BDict.builder().put("id", q.sender().bytes());
                switch (q.method()) {
                    case Ping p -> { }
                    case FindNode f -> a.put("target", f.target().bytes());
                    case GetPeers g -> a.put("info_hash", g.infoHash().bytes());
                    case AnnouncePeer ap -> {
                        a.put("info_hash", ap.infoHash().bytes()).put("port", ap.port()).put("token", ap.token());
                        if (ap.impliedPort()) {
                            a.put("implied_port", 1);
                        }
                    }
                }
                if (q.readOnly()) {
                    top.put("ro", 1);
                }
                top.put("y", "q").put("q", q.method().name()).put("a", a.build());
            }
            case Response r -> {
                BDict.Builder body = BDict.builder().put("id", r.sender().bytes());
                if (!r.nodes().isEmpty()) {
                    body.put("nodes", NodeInfo.encodeCompact(r.nodes(), false));
                }
                if (!r.nodes6().isEmpty()) {
                    body.put("nodes6", NodeInfo.encodeCompact(r.nodes6(), true));
                }
                if (!r.values().isEmpty()) {
                    List<BValue> values = new ArrayList<>(r.values().size());
                    r.values().stream().filter(p -> p.ip().isPresent()).forEach(p -> values.add(BBytes.of(p.compact())));
                    body.put("values", new BList(values));
                }
                body.put("token", r.token());
                if (r.requester() != null && r.requester().ip().isPresent()) {
                    top.put("ip", r.requester().compact());
                }
                top.put("y", "r").put("r", body.build());
            }
            case KrpcMessage.Error e -> top.put("y", "e")
                    .put("e", BList.of(new BInt(e.code()), BBytes.of(e.message())));
        }
        return top.build().encode();
    }

    /** Reads one datagram; a packet that is not a KRPC message is a {@link KrpcException}. */
    public static KrpcMessage decode(byte[] packet) {
        if (packet.length > MAX_PACKET) {
            throw new KrpcException(KrpcMessage.Error.PROTOCOL, "packet of " + packet.length + " bytes", null);
        }
        BValue root;
        try {
            root = Bencode.parse(packet);
        } catch (BencodeException e) {
            throw new KrpcException(KrpcMessage.Error.PROTOCOL, "not bencode: " + e.getMessage(), null);
        }
        if (!(root instanceof BDict top)) {
            throw new KrpcException(KrpcMessage.Error.PROTOCOL, "not a dictionary", null);
        }
        byte[] t = bytes(top, "t", null);
        if (t.length == 0 || t.length > MAX_TRANSACTION_ID) {
            throw new KrpcException(KrpcMessage.Error.PROTOCOL, "transaction id of " + t.length + " bytes", null);
        }
        String y = new String(bytes(top, "y", null), StandardCharsets.ISO_8859_1);
        return switch (y) {
            case "q" -> query(top, t);
            case "r" -> response(top, t);
            case "e" -> error(top, t);
            default -> throw new KrpcException(KrpcMessage.Error.PROTOCOL, "message type '" + y + "'", null);
        };
    }

    private static Query query(BDict top, byte[] t) {
        String method = new String(bytes(top, "q", t), StandardCharsets.ISO_8859_1);
        BDict a = dict(top, "a", t);
        NodeId sender = id(a, "id", t);
        Method m = switch (method) {
            case "ping" -> new Ping();
            case "find_node" -> new FindNode(id(a, "target", t));
            case "get_peers" -> new GetPeers(id(a, "info_hash", t));
            case "announce_peer" -> announce(a, t);
            default -> throw new KrpcException(KrpcMessage.Error.METHOD_UNKNOWN, "method unknown: " + printable(method), t);
        };
        boolean readOnly = top.get("ro") instanceof BInt ro && ro.value() == 1;
        return new Query(t, sender, m, readOnly);
    }

    private static AnnouncePeer announce(BDict a, byte[] t) {
        NodeId infoHash = id(a, "info_hash", t);
        boolean implied = a.get("implied_port") instanceof BInt i && i.value() != 0;
        BValue portValue = a.get("port");
        int port = 0;
        if (portValue instanceof BInt p && p.value() >= 1 && p.value() <= 65535) {
            port = (int) p.value();
        } else if (!implied) {
            throw new KrpcException(KrpcMessage.Error.PROTOCOL, "announce_peer without a port in 1..65535", t);
        }
        byte[] token = bytes(a, "token", t);
        if (token.length == 0 || token.length > MAX_TOKEN) {
            throw new KrpcException(KrpcMessage.Error.PROTOCOL, "token of " + token.length + " bytes", t);
        }
        return new AnnouncePeer(infoHash, port, implied, token);
    }

    private static Response response(BDict top, byte[] t) {
        BDict r = dict(top, "r", null);
        NodeId sender = id(r, "id", null);
        try {
            List<NodeInfo> nodes = r.has("nodes") ? NodeInfo.decodeCompact(bytes(r, "nodes", null), false) : List.of();
            List<NodeInfo> nodes6 = r.has("nodes6") ? NodeInfo.decodeCompact(bytes(r, "nodes6", null), true) : List.of();
            List<PeerAddress> values = r.has("values") ? values(r.get("values")) : List.of();
            byte[] token = r.has("token") ? bytes(r, "token", null) : null;
            if (token != null && (token.length == 0 || token.length > MAX_TOKEN)) {
                throw new KrpcException(KrpcMessage.Error.PROTOCOL, "token of " + token.length + " bytes", null);
            }
            PeerAddress requester = null;
            if (top.get("ip") instanceof BBytes ip) {
                byte[] raw = ip.bytes();
                if (raw.length != PeerAddress.COMPACT_IPV4 && raw.length != PeerAddress.COMPACT_IPV6) {
                    throw new KrpcException(KrpcMessage.Error.PROTOCOL, "ip of " + raw.length + " bytes", null);
                }
                int port = ((raw[raw.length - 2] & 0xff) << 8) | (raw[raw.length - 1] & 0xff);
                requester = port == 0 ? null : PeerAddress.fromCompact(raw, 0, raw.length);
            }
            return new Response(t, sender, nodes, nodes6, values, token, requester);
        } catch (IllegalArgumentException e) {
            throw new KrpcException(KrpcMessage.Error.PROTOCOL, e.getMessage(), null);
        }
    }

    private static List<PeerAddress> values(BValue value) {
        if (!(value instanceof BList list)) {
            throw new KrpcException(KrpcMessage.Error.PROTOCOL, "values is not a list", null);
        }
        if (list.size() > MAX_VALUES) {
            throw new KrpcException(KrpcMessage.Error.PROTOCOL, list.size() + " values, more than " + MAX_VALUES, null);
        }
        List<PeerAddress> out = new ArrayList<>(list.size());
        for (BValue v : list.values()) {
            if (!(v instanceof BBytes b) || (b.length() != PeerAddress.COMPACT_IPV4 && b.length() != PeerAddress.COMPACT_IPV6)) {
                throw new KrpcException(KrpcMessage.Error.PROTOCOL, "a value that is not a compact peer", null);
            }
            out.addAll(PeerAddress.decodeCompact(b.bytes(), b.length()));
        }
        return out;
    }

    private static KrpcMessage.Error error(BDict top, byte[] t) {
        if (!(top.get("e") instanceof BList e) || e.size() < 2 || !(e.get(0) instanceof BInt code)
                || !(e.get(1) instanceof BBytes message)) {
            throw new KrpcException(KrpcMessage.Error.PROTOCOL, "error is not [code, message]", null);
        }
        return new KrpcMessage.Error(t, (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, code.value())),
                printable(message.utf8()));
    }

    private static byte[] bytes(BDict dict, String key, byte[] answerable) {
        if (!(dict.get(key) instanceof BBytes b)) {
            throw new KrpcException(KrpcMessage.Error.PROTOCOL, "'" + key + "' missing or not a string", answerable);
        }
        return b.bytes();
    }

    private static BDict dict(BDict dict, String key, byte[] answerable) {
        if (!(dict.get(key) instanceof BDict d)) {
            throw new KrpcException(KrpcMessage.Error.PROTOCOL, "'" + key + "' missing or not a dictionary", answerable);
        }
        return d;
    }

    private static NodeId id(BDict dict, String key, byte[] answerable) {
        byte[] b = bytes(dict, key, answerable);
        if (b.length != NodeId.LENGTH) {
            throw new KrpcException(KrpcMessage.Error.PROTOCOL, "'" + key + "' of " + b.length + " bytes, not 20", answerable);
        }
        return NodeId.of(b);
    }

    /** Text from the network, cut short and stripped of control characters before it reaches a log. */
    private static String printable(String text) {
        String cut = text.length() > 64 ? text.substring(0, 64) + "…" : text;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
