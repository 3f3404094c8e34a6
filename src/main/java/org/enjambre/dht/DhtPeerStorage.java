package org.enjambre.dht;

import java.util.List;
import org.enjambre.net.PeerAddress;

/**
 * Where a DHT node keeps the peers announced to it: its own bounded {@link PeerStore}, or (on a
 * tracker node) a view that also reads and writes the cluster's replicated registry. Called on the
 * node's context; must not block.
 */
public interface DhtPeerStorage {
    /** Whether a peer for this info-hash would be kept now (else no token is handed out). */
    boolean accepts(NodeId infoHash);

    /** Keeps a peer announced for this info-hash; false when a cap refused it. */
    boolean store(NodeId infoHash, PeerAddress peer);

    /** Peers to answer a {@code get_peers} with, at most one packet's worth. */
    List<PeerAddress> peers(NodeId infoHash);

    /** Info-hashes held (for metrics). */
    int torrents();

    /** Peers held (for metrics). */
    int peerCount();

    /** Forgets what has expired; called now and then on the node's context. */
    default void expire() {
    }
}
