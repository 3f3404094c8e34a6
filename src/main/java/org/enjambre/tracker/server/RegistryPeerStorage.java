package org.enjambre.tracker.server;

import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.enjambre.dht.DhtPeerStorage;
import org.enjambre.dht.NodeId;
import org.enjambre.net.PeerAddress;
import org.enjambre.tracker.protocol.AnnounceEvent;
import org.enjambre.tracker.protocol.AnnounceRequest;
import org.enjambre.tracker.protocol.ReceivedAnnounce;
import org.enjambre.tracker.protocol.TrackerRefusal;
import org.enjambre.tracker.protocol.TransferStats;

/**
 * The tracker's third front end, beside HTTP and UDP: a DHT node's peer storage backed by the
 * cluster's replicated {@link PeerRegistry}, so that the tracker cluster is a set of DHT nodes
 * that share what they store and survive the loss of a member. A {@code get_peers} is answered
 * with up to {@link #peersPerReply} peers the registry holds for the info-hash, whoever announced
 * them (HTTP, UDP or DHT), and with no token when the registry would refuse a new peer; an
 * {@code announce_peer} goes through the same {@link AnnounceService} as every tracker announce
 * (allow-list, caps on swarms, peers per swarm, peers per address, heap), registered as a peer
 * with a peer id derived from its address ({@link #PEER_ID_PREFIX}) that expires like any tracker
 * peer. A refusal becomes a {@link DhtPeerStorage.Refused} with the tracker's reason.
 */
public final class RegistryPeerStorage implements DhtPeerStorage {
    /**
     * Peers in one {@code get_peers} answer: 50 compact IPv4 peers are 300 bytes, IPv6 900, so the
     * answer stays one datagram well under 1,500 bytes (libtorrent gives about as many).
     */
    public static final int DEFAULT_PEERS_PER_REPLY = 50;
    /**
     * How peer ids of peers announced through the DHT begin (BEP 20 style), the rest a hash of the
     * peer's address: a re-announce from the same address and port refreshes the same entry, and a
     * reader of the registry can tell where a peer came from. The registry lets only the same IP
     * address change an entry without a {@code key}, so nobody else can move or remove it.
     */
    public static final String PEER_ID_PREFIX = "-EJDHT-";

    private final AnnounceService service;
    private final PeerRegistry registry;
    private final int peersPerReply;
    private final AtomicLong stored = new AtomicLong();

    /**
     * @param service       the announce handler the HTTP and UDP front ends use (its policy, its registry)
     * @param registry      the same registry, read for {@code get_peers}
     * @param peersPerReply peers in one {@code get_peers} answer
     */
    public RegistryPeerStorage(AnnounceService service, PeerRegistry registry, int peersPerReply) {
        if (peersPerReply < 1) {
            throw new IllegalArgumentException("peers per reply must be positive: " + peersPerReply);
        }
        this.service = service;
        this.registry = registry;
        this.peersPerReply = peersPerReply;
    }

    @Override
    public Future<Held> lookup(NodeId infoHash) {
        String hex = infoHash.hex();
        if (!service.policy().allowed().test(hex)) {
            return Future.succeededFuture(new Held(java.util.List.of(), false)); // not ours: nothing, and no token
        }
        return registry.sample(hex, peersPerReply).map(sample -> new Held(sample.peers(), !sample.full()));
    }

    @Override
    public Future<Void> announce(NodeId infoHash, PeerAddress peer) {
        if (peer.ip().isEmpty() || peer.port() < 1) {
            return Future.failedFuture(new Refused("no address to register"));
        }
        AnnounceRequest request = new AnnounceRequest(infoHash.bytes(), peerIdFor(peer), peer.port(),
                new TransferStats(0, 0, 1), AnnounceEvent.NONE, 0, null, null);
        // left=1: announce_peer does not say whether the peer seeds, and as a leecher it is handed to everyone.
        ReceivedAnnounce received = new ReceivedAnnounce(request, peer.ip().get().getAddress(), true, true);
        return service.announce(received).<Void>mapEmpty()
                .onSuccess(v -> stored.incrementAndGet())
                .recover(e -> Future.failedFuture(new Refused(e instanceof TrackerRefusal r ? r.reason()
                        : "tracker temporarily unavailable, retry later")));
    }

    /** The peer id a peer announced through the DHT is registered under. */
    public static byte[] peerIdFor(PeerAddress peer) {
        byte[] prefix = PEER_ID_PREFIX.getBytes(StandardCharsets.US_ASCII);
        byte[] id = Arrays.copyOf(prefix, AnnounceRequest.HASH_LENGTH);
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(peer.ip().orElseThrow().getAddress());
            sha1.update(new byte[] {(byte) (peer.port() >> 8), (byte) peer.port()});
            System.arraycopy(sha1.digest(), 0, id, prefix.length, id.length - prefix.length);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
        return id;
    }

    /** Announces this node stored into the registry since it started. */
    public long stored() {
        return stored.get();
    }

    /** Zero: the peers live in the cluster's registry (the tracker's own counts), not in this node. */
    @Override
    public int torrents() {
        return 0;
    }

    /** Zero, as {@link #torrents}: what this node put in the registry is {@link #stored}. */
    @Override
    public int peerCount() {
        return 0;
    }
}
