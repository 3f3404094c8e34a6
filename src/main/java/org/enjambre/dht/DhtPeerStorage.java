package org.enjambre.dht;

import io.vertx.core.Future;
import java.util.List;
import org.enjambre.net.PeerAddress;

/**
 * Where a DHT node keeps the peers announced to it: its own bounded {@link PeerStore}, or (on a
 * tracker node) the cluster's replicated registry. Asynchronous, because a registry answers with
 * futures; called on the node's context, and must not block it. Whatever the storage, the node
 * keeps the rules of BEP 5 around it: a token only when {@link Held#acceptsMore}, an announce only
 * with a valid token, and a refusal answered as a KRPC error.
 */
public interface DhtPeerStorage {

    /**
     * What the storage holds for one info-hash.
     *
     * @param peers       peers for a {@code get_peers} answer, at most one packet's worth
     * @param acceptsMore whether an announce for this info-hash would be kept now (else no token
     *                    is handed out: a full store withholds tokens instead of dropping announces)
     */
    record Held(List<PeerAddress> peers, boolean acceptsMore) {
        public Held {
            peers = List.copyOf(peers);
        }
    }

    /** A refused announce; its message is the KRPC error's text. Not a bug: no stack trace. */
    final class Refused extends Exception {
        public Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    /** The peers held for an info-hash and whether another would be taken. */
    Future<Held> lookup(NodeId infoHash);

    /** Keeps a peer announced for this info-hash; fails with {@link Refused} when a cap refuses it. */
    Future<Void> announce(NodeId infoHash, PeerAddress peer);

    /** Info-hashes held (for metrics). */
    int torrents();

    /** Peers held (for metrics). */
    int peerCount();

    /** Forgets what has expired; called now and then on the node's context. */
    default void expire() {
    }
}
