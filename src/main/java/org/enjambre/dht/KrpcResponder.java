package org.enjambre.dht;

import io.vertx.core.Future;
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
 * address the query came from (BEP 42 {@code ip}). Pure apart from the counters it bumps and
 * what the {@link DhtPeerStorage} does.
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

    /**
     * The answer to a query: at once for {@code ping} and {@code find_node}, once the storage has
     * answered for {@code get_peers} and {@code announce_peer}. Never fails: a storage that fails
     * or refuses gives a KRPC error (202), so a broken registry cannot stop the node.
     */
    Future<KrpcMessage> answer(Query query, PeerAddress from) {
        byte[] t = query.transactionId();
        byte[] ip = from.ip().orElseThrow().getAddress();
        return switch (query.method()) {
            case Ping p -> Future.succeededFuture(Response.idOnly(t, own, from));
            case FindNode f -> Future.succeededFuture(nodesAnswer(t, f.target(), from, List.of(), null));
            case GetPeers g -> storage.lookup(g.infoHash()).<KrpcMessage>map(held -> {
                List<PeerAddress> values = held.peers().stream()
                        .filter(p -> p.ip().isPresent() && p.isIpv6() == from.isIpv6()).toList();
                // Full: an announce would be dropped, so none is invited.
                byte[] token = held.acceptsMore() ? tokens.token(ip) : null;
                return nodesAnswer(t, g.infoHash(), from, values, token);
            }).recover(e -> {
                // Without the storage we still know our neighbours: answer as a node that holds no peers.
                return Future.succeededFuture(nodesAnswer(t, g.infoHash(), from, List.of(), null));
            });
            case AnnouncePeer a -> {
                if (!tokens.valid(a.token(), ip)) {
                    badTokens.incrementAndGet();
                    yield Future.succeededFuture(new KrpcMessage.Error(t, KrpcMessage.Error.PROTOCOL, "bad token"));
                }
                int port = a.impliedPort() ? from.port() : a.port();
                yield storage.announce(a.infoHash(), new PeerAddress(from.host(), port)).<KrpcMessage>map(v -> {
                    announcesStored.incrementAndGet();
                    return Response.idOnly(t, own, from);
                }).recover(e -> {
                    storeRefused.incrementAndGet(); // a cap, or a registry that could not be reached: not kept either way
                    if (e instanceof DhtPeerStorage.Refused) {
                        return Future.succeededFuture(new KrpcMessage.Error(t, KrpcMessage.Error.SERVER, e.getMessage()));
                    }
                    return Future.succeededFuture(new KrpcMessage.Error(t, KrpcMessage.Error.SERVER,
                            "peer storage temporarily unavailable"));
                });
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
