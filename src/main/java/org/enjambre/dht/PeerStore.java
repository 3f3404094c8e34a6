package org.enjambre.dht;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.enjambre.net.PeerAddress;

/**
 * The peers other nodes announced to us, per info-hash, each forgotten {@link #EXPIRY_MILLIS}
 * after its last announce. Bounded by named caps: when the store cannot take a peer for an
 * info-hash it says so before a token is handed out ({@link #accepts}), so a full node withholds
 * tokens instead of taking announces it would drop. Not thread-safe: the node's context drives it.
 */
public final class PeerStore implements DhtPeerStorage {
    /** How long an announced peer is kept without a new announce (libtorrent and BEP 5 practice). */
    public static final long EXPIRY_MILLIS = 30 * 60_000L;

    /**
     * @param maxTorrents        info-hashes held at once
     * @param maxPeersPerTorrent peers held per info-hash
     * @param maxPeersPerReply   peers put in one {@code get_peers} answer (one UDP packet)
     */
    public record Limits(int maxTorrents, int maxPeersPerTorrent, int maxPeersPerReply) {
        public Limits {
            if (maxTorrents < 1 || maxPeersPerTorrent < 1 || maxPeersPerReply < 1) {
                throw new IllegalArgumentException("peer store limits must be positive");
            }
        }

        /** Sized for a node with a few hundred MiB of heap: at most 100,000 peers. */
        public static Limits defaults() {
            return new Limits(2_000, 100, 50);
        }
    }

    private final Limits limits;
    private final LongSupplier clockMillis;
    private final Map<NodeId, LinkedHashMap<PeerAddress, Long>> swarms = new HashMap<>();
    private int peers;

    public PeerStore(Limits limits, LongSupplier clockMillis) {
        this.limits = limits;
        this.clockMillis = clockMillis;
    }

    public Limits limits() {
        return limits;
    }

    @Override
    public Future<Held> lookup(NodeId infoHash) {
        return Future.succeededFuture(new Held(peers(infoHash), accepts(infoHash)));
    }

    @Override
    public Future<Void> announce(NodeId infoHash, PeerAddress peer) {
        return store(infoHash, peer) ? Future.succeededFuture() : Future.failedFuture(new Refused("peer store full"));
    }

    /** Whether a peer for this info-hash would be kept now (else no token is handed out). */
    public boolean accepts(NodeId infoHash) {
        LinkedHashMap<PeerAddress, Long> swarm = swarms.get(infoHash);
        return swarm == null ? swarms.size() < limits.maxTorrents() : swarm.size() < limits.maxPeersPerTorrent();
    }

    /** Keeps a peer announced for this info-hash; false when a cap refused it. */
    public boolean store(NodeId infoHash, PeerAddress peer) {
        long expiry = clockMillis.getAsLong() + EXPIRY_MILLIS;
        LinkedHashMap<PeerAddress, Long> swarm = swarms.get(infoHash);
        if (swarm != null && swarm.containsKey(peer)) {
            swarm.remove(peer); // re-insert: the map stays in expiry order
            swarm.put(peer, expiry);
            return true;
        }
        if (!accepts(infoHash)) {
            return false;
        }
        swarms.computeIfAbsent(infoHash, h -> new LinkedHashMap<>()).put(peer, expiry);
        peers++;
        return true;
    }

    /** Peers to answer a {@code get_peers} with, at most {@link Limits#maxPeersPerReply}. */
    public List<PeerAddress> peers(NodeId infoHash) {
        LinkedHashMap<PeerAddress, Long> swarm = swarms.get(infoHash);
        if (swarm == null) {
            return List.of();
        }
        long now = clockMillis.getAsLong();
        List<PeerAddress> live = new ArrayList<>(swarm.size());
        swarm.forEach((peer, expiry) -> {
            if (expiry > now) {
                live.add(peer);
            }
        });
        if (live.size() > limits.maxPeersPerReply()) {
            Collections.shuffle(live);
            return List.copyOf(live.subList(0, limits.maxPeersPerReply()));
        }
        return live;
    }

    /** Forgets every peer whose announce is older than {@link #EXPIRY_MILLIS}. */
    @Override
    public void expire() {
        long now = clockMillis.getAsLong();
        for (Iterator<LinkedHashMap<PeerAddress, Long>> swarmIt = swarms.values().iterator(); swarmIt.hasNext(); ) {
            LinkedHashMap<PeerAddress, Long> swarm = swarmIt.next();
            for (Iterator<Long> it = swarm.values().iterator(); it.hasNext(); ) {
                if (it.next() > now) {
                    break; // in expiry order: the rest are younger
                }
                it.remove();
                peers--;
            }
            if (swarm.isEmpty()) {
                swarmIt.remove();
            }
        }
    }

    @Override
    public int torrents() {
        return swarms.size();
    }

    @Override
    public int peerCount() {
        return peers;
    }
}
