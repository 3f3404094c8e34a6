package org.enjambre.dht;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.enjambre.dht.KrpcMessage.AnnouncePeer;
import org.enjambre.dht.KrpcMessage.FindNode;
import org.enjambre.dht.KrpcMessage.GetPeers;
import org.enjambre.dht.KrpcMessage.Ping;
import org.enjambre.dht.KrpcMessage.Query;
import org.enjambre.dht.KrpcMessage.Response;
import org.enjambre.net.PeerAddress;

/**
 * The server half of a DHT node: the answer to each query (BEP 5). {@code find_node} gets the
 * nearest nodes of the requester's address family; {@code get_peers} gets stored peers or nearest
 * nodes, and a token only when the store would take an announce for that info-hash;
 * {@code announce_peer} is stored only with a token we gave that address. Every answer names the
 * address the query came from (BEP 42 {@code ip}). Pure apart from the counters it bumps.
 */
final class KrpcResponder {
    private final NodeId own;
    private final RoutingTable table;
    private final TokenSecrets tokens;
    private final DhtPeerStorage storage;
    final AtomicLong badTokens = new AtomicLong();
    final AtomicLong storeRefused = new AtomicLong();
    final AtomicLong announcesStored = new AtomicLong();

    KrpcResponder(NodeId own, RoutingTable table, TokenSecrets tokens, DhtPeerStorage storage) {
        this.own = own;
        this.table = table;
        this.tokens = tokens;
        this.storage = storage;
    }

    KrpcMessage answer(Query query, PeerAddress from) {
        byte[] t = query.transactionId();
        byte[] ip = from.ip().orElseThrow().getAddress();
        return switch (query.method()) {
            case Ping p -> Response.idOnly(t, own, from);
            case FindNode f -> nodesAnswer(t, f.target(), from, List.of(), null);
            case GetPeers g -> {
                List<PeerAddress> values = storage.peers(g.infoHash()).stream()
                        .filter(p -> p.ip().isPresent() && p.isIpv6() == from.isIpv6()).toList();
                // Full: an announce would be dropped, so none is invited.
                byte[] token = storage.accepts(g.infoHash()) ? tokens.token(ip) : null;
                yield nodesAnswer(t, g.infoHash(), from, values, token);
            }
            case AnnouncePeer a -> {
                if (!tokens.valid(a.token(), ip)) {
                    badTokens.incrementAndGet();
                    yield new KrpcMessage.Error(t, KrpcMessage.Error.PROTOCOL, "bad token");
                }
                int port = a.impliedPort() ? from.port() : a.port();
                if (!storage.store(a.infoHash(), new PeerAddress(from.host(), port))) {
                    storeRefused.incrementAndGet();
                    yield new KrpcMessage.Error(t, KrpcMessage.Error.SERVER, "peer store full");
                }
                announcesStored.incrementAndGet();
                yield Response.idOnly(t, own, from);
            }
        };
    }

    private Response nodesAnswer(byte[] t, NodeId target, PeerAddress from, List<PeerAddress> values, byte[] token) {
        boolean v6 = from.isIpv6();
        List<NodeInfo> nodes = table.closest(target, 2 * RoutingTable.K).stream()
                .filter(n -> n.address().isIpv6() == v6).limit(RoutingTable.K).toList();
        return new Response(t, own, v6 ? List.of() : nodes, v6 ? nodes : List.of(), values, token, from);
    }
}
