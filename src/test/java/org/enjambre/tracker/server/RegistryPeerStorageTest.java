package org.enjambre.tracker.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.enjambre.dht.DhtNode;
import org.enjambre.dht.DhtPeerStorage;
import org.enjambre.dht.KrpcCodec;
import org.enjambre.dht.KrpcMessage;
import org.enjambre.dht.KrpcMessage.AnnouncePeer;
import org.enjambre.dht.KrpcMessage.GetPeers;
import org.enjambre.dht.KrpcMessage.Query;
import org.enjambre.dht.KrpcMessage.Response;
import org.enjambre.dht.NodeId;
import org.enjambre.net.PeerAddress;
import org.enjambre.net.UdpEndpoint;
import org.enjambre.tracker.hazelcast.HazelcastPeerRegistry;
import org.enjambre.tracker.hazelcast.LimitedPeerRegistry;
import org.enjambre.tracker.hazelcast.TrackerLimits;
import org.enjambre.tracker.hazelcast.TrackerMaps;
import org.enjambre.tracker.protocol.AnnounceAnswer;
import org.enjambre.tracker.protocol.AnnounceEvent;
import org.enjambre.tracker.protocol.AnnounceRequest;
import org.enjambre.tracker.protocol.ReceivedAnnounce;
import org.enjambre.tracker.protocol.TransferStats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A tracker's DHT node on a real Hazelcast member: what it answers to {@code get_peers} and what an
 * {@code announce_peer} does to the registry, under the registry's caps, tokens and expiry.
 */
class RegistryPeerStorageTest {
    static final Duration PEER_TIMEOUT = Duration.ofSeconds(60);
    static Vertx vertx;
    static HazelcastInstance hazelcast;
    final AtomicLong clock = new AtomicLong(1_000_000);
    final NodeId infoHash = NodeId.random();
    final BlockingQueue<KrpcMessage> answers = new LinkedBlockingQueue<>();
    LimitedPeerRegistry registry;
    RegistryPeerStorage storage;
    UdpEndpoint trackerSocket;
    DhtNode trackerDht;
    UdpEndpoint asker;

    @BeforeAll
    static void startMember() {
        vertx = Vertx.vertx();
        Config config = new Config();
        config.setClusterName("dht-storage-test-" + System.nanoTime());
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
        config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
        config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        config.getNetworkConfig().setPortAutoIncrement(true).setPort(15821);
        hazelcast = Hazelcast.newHazelcastInstance(TrackerMaps.configure(config));
    }

    @AfterAll
    static void stopMember() throws Exception {
        hazelcast.shutdown();
        await(vertx.close());
    }

    @AfterEach
    void stopNodes() throws Exception {
        if (trackerDht != null) {
            await(trackerDht.close());
            await(trackerSocket.close());
        }
        if (asker != null) {
            await(asker.close());
        }
    }

    static <T> T await(Future<T> f) throws Exception {
        return org.enjambre.testutil.Futures.awaitUnwrapped(f);
    }

    /** The registry and its DHT storage, with these caps (swarms, peers per swarm, per address) and peers per reply. */
    void tracker(int peersPerSwarm, int peersPerAddress, int peersPerReply, Set<String> allowed) {
        registry = newRegistry(new TrackerLimits(1000, peersPerSwarm, peersPerAddress, 1.0));
        AnnounceService service = new AnnounceService(registry, new AnnounceService.Policy(1800, 900,
                h -> allowed == null || allowed.contains(h)));
        storage = new RegistryPeerStorage(service, registry, peersPerReply);
    }

    /** The cluster's registry on the member; {@link LocalRegistryPeerStorageTest} runs every test on a lone tracker's. */
    LimitedPeerRegistry newRegistry(TrackerLimits limits) {
        return new HazelcastPeerRegistry(vertx, hazelcast, PEER_TIMEOUT, clock::get, limits);
    }

    /** The tracker's DHT node on 127.0.0.1 and a raw KRPC socket on 127.0.0.66 to query it. */
    void dhtNode() throws Exception {
        trackerSocket = await(UdpEndpoint.bind(vertx, "127.0.0.1", 0));
        trackerDht = await(DhtNode.open(vertx, DhtNode.Config.defaults(NodeId.random(), List.of()), trackerSocket, storage));
        asker = await(UdpEndpoint.bind(vertx, "127.0.0.66", 0));
        asker.onKrpc((datagram, sender) -> {
            KrpcMessage m = KrpcCodec.decode(datagram.getBytes());
            if (!(m instanceof Query)) {
                answers.add(m); // the node pings a new querier back: not an answer
            }
        });
    }

    KrpcMessage ask(KrpcMessage.Method method) throws Exception {
        byte[] t = {(byte) answers.size(), 7};
        await(asker.send(Buffer.buffer(KrpcCodec.encode(new Query(t, NodeId.random(), method))),
                SocketAddress.inetSocketAddress(trackerSocket.localPort(), "127.0.0.1")));
        KrpcMessage m = answers.poll(10, TimeUnit.SECONDS);
        assertThat(m).as("an answer from the tracker's DHT node").isNotNull();
        return m;
    }

    /** A tracker announce (HTTP or UDP front end) from {@code ip}, compact; answers the peers it got. */
    List<PeerAddress> trackerAnnounce(String ip, int port, String peerId) throws Exception {
        byte[] id = java.util.Arrays.copyOf(peerId.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 20);
        AnnounceRequest request = new AnnounceRequest(infoHash.bytes(), id, port, new TransferStats(0, 0, 100),
                AnnounceEvent.STARTED, 50, null, null);
        AnnounceAnswer answer = await(registry.announce(new ReceivedAnnounce(request,
                java.net.InetAddress.getByName(ip).getAddress(), true, false)));
        return PeerAddress.decodeCompact(answer.compact4(), PeerAddress.COMPACT_IPV4);
    }

    @Test
    void getPeersAnswersThePeersThatAnnouncedToTheTrackerWithAToken() throws Exception {
        tracker(100, 32, 50, null);
        dhtNode();
        trackerAnnounce("127.0.0.5", 6881, "http-peer");

        Response answer = (Response) ask(new GetPeers(infoHash));

        assertThat(answer.values()).containsExactly(new PeerAddress("127.0.0.5", 6881));
        assertThat(answer.token()).as("the registry takes more peers: a token").isNotNull();
    }

    @Test
    void announcePeerWithItsTokenIsRegisteredAndHandedOutToTrackerAnnounces() throws Exception {
        tracker(100, 32, 50, null);
        dhtNode();
        byte[] token = ((Response) ask(new GetPeers(infoHash))).token();

        assertThat(ask(new AnnouncePeer(infoHash, 7000, false, token))).isInstanceOf(Response.class);

        assertThat(trackerAnnounce("127.0.0.5", 6881, "http-peer")).containsExactly(new PeerAddress("127.0.0.66", 7000));
        SwarmSnapshot swarm = await(registry.swarm(infoHash.hex())).orElseThrow();
        assertThat(swarm.peers()).extracting(SwarmSnapshot.PeerInfo::address).contains(new PeerAddress("127.0.0.66", 7000));
        assertThat(storage.stored()).isEqualTo(1);
        // A second announce from the same address and port refreshes the same entry: still two peers.
        assertThat(ask(new AnnouncePeer(infoHash, 7000, false, token))).isInstanceOf(Response.class);
        assertThat(await(registry.swarm(infoHash.hex())).orElseThrow().peers()).hasSize(2);
    }

    @Test
    void announcePeerWithAForgedTokenIsRefusedAndRegistersNothing() throws Exception {
        tracker(100, 32, 50, null);
        dhtNode();

        KrpcMessage.Error refused = (KrpcMessage.Error) ask(new AnnouncePeer(infoHash, 7000, false, "forged!!".getBytes()));

        assertThat(refused.code()).isEqualTo(KrpcMessage.Error.PROTOCOL);
        assertThat(refused.message()).isEqualTo("bad token");
        assertThat(await(registry.swarm(infoHash.hex()))).isEmpty();
    }

    @Test
    void aFullSwarmWithholdsTokensAndRefusesAnnouncesWithTheTrackersReason() throws Exception {
        tracker(2, 32, 50, null);
        dhtNode();
        byte[] token = ((Response) ask(new GetPeers(infoHash))).token();
        trackerAnnounce("127.0.0.5", 6881, "first");
        trackerAnnounce("127.0.0.6", 6881, "second");

        Response full = (Response) ask(new GetPeers(infoHash));
        assertThat(full.values()).hasSize(2);
        assertThat(full.token()).as("a full swarm invites no announce").isNull();

        KrpcMessage.Error refused = (KrpcMessage.Error) ask(new AnnouncePeer(infoHash, 7000, false, token));
        assertThat(refused.code()).isEqualTo(KrpcMessage.Error.SERVER);
        assertThat(refused.message()).startsWith("swarm full");
        assertThat(await(registry.swarm(infoHash.hex())).orElseThrow().peers()).hasSize(2);
        assertThat(registry.refusals().get(TrackerLimits.Limit.PEERS_PER_SWARM)).isEqualTo(1);
    }

    @Test
    void peersFromOneAddressAreCappedAsForTrackerAnnounces() throws Exception {
        tracker(100, 2, 50, null);
        await(storage.announce(infoHash, new PeerAddress("127.0.0.9", 7001)));
        await(storage.announce(infoHash, new PeerAddress("127.0.0.9", 7002)));

        Future<Void> third = storage.announce(infoHash, new PeerAddress("127.0.0.9", 7003));

        Throwable refusal = third.toCompletionStage().toCompletableFuture().handle((v, e) -> e).get(20, TimeUnit.SECONDS);
        assertThat(refusal).isInstanceOf(DhtPeerStorage.Refused.class)
                .hasMessageStartingWith("too many peers from your address");
        assertThat(await(storage.lookup(infoHash)).peers()).containsExactlyInAnyOrder(
                new PeerAddress("127.0.0.9", 7001), new PeerAddress("127.0.0.9", 7002));
    }

    @Test
    void peersAnnouncedThroughTheDhtExpireLikeTrackerPeers() throws Exception {
        tracker(100, 32, 50, null);
        await(storage.announce(infoHash, new PeerAddress("127.0.0.9", 7001)));
        assertThat(await(storage.lookup(infoHash)).peers()).hasSize(1);

        clock.addAndGet(PEER_TIMEOUT.toMillis() + 1);

        assertThat(await(storage.lookup(infoHash)).peers()).isEmpty();
        assertThat(await(registry.sweep())).isGreaterThanOrEqualTo(1);
        assertThat(await(registry.swarm(infoHash.hex()))).isEmpty();
    }

    @Test
    void aGetPeersAnswerHoldsAtMostThePeersPerReply() throws Exception {
        tracker(100, 32, 8, null);
        for (int i = 0; i < 30; i++) {
            trackerAnnounce("127.0.1." + (i + 1), 6881, "peer-" + i);
        }

        List<PeerAddress> peers = await(storage.lookup(infoHash)).peers();

        assertThat(peers).hasSize(8).doesNotHaveDuplicates();
    }

    @Test
    void aTorrentTheTrackerDoesNotServeGetsNoPeersNoTokenAndNoStore() throws Exception {
        tracker(100, 32, 50, Set.of("00".repeat(20)));

        DhtPeerStorage.Held held = await(storage.lookup(infoHash));
        Throwable refusal = storage.announce(infoHash, new PeerAddress("127.0.0.9", 7001))
                .toCompletionStage().toCompletableFuture().handle((v, e) -> e).get(20, TimeUnit.SECONDS);

        assertThat(held.peers()).isEmpty();
        assertThat(held.acceptsMore()).isFalse();
        assertThat(refusal).isInstanceOf(DhtPeerStorage.Refused.class).hasMessage("torrent not served by this tracker");
    }
}
