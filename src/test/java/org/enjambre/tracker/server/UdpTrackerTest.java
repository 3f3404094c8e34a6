package org.enjambre.tracker.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.enjambre.net.PeerAddress;
import org.enjambre.node.ClusterConfig;
import org.enjambre.tracker.hazelcast.HazelcastPeerRegistry;
import org.enjambre.tracker.protocol.AnnounceEvent;
import org.enjambre.tracker.protocol.AnnounceRequest;
import org.enjambre.tracker.protocol.SwarmStats;
import org.enjambre.tracker.protocol.TransferStats;
import org.enjambre.tracker.protocol.UdpTrackerCodec;
import org.enjambre.tracker.protocol.UdpTrackerRequest;
import org.enjambre.tracker.protocol.UdpTrackerResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The BEP 15 front end over the real registry (a lone Hazelcast member): connect, announce and
 * scrape as a client sends them, connection ids forged or expired, and the rule that an address
 * which has not connected never gets more bytes than it sent.
 */
class UdpTrackerTest {
    static final byte[] LOCAL = {127, 0, 0, 1};
    static final byte[] CLIENT = {10, 1, 2, 3};
    static Vertx vertx;
    static HazelcastInstance hazelcast;

    final AtomicLong clock = new AtomicLong(1_800_000_000_000L);
    final byte[] key = new byte[16];
    byte[] infoHash;
    UdpTracker tracker;
    int transactions;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        hazelcast = Hazelcast.newHazelcastInstance(ClusterConfig.standalone());
    }

    @AfterAll
    static void stop() throws Exception {
        hazelcast.shutdown();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @BeforeEach
    void newTracker() {
        new Random().nextBytes(key);
        infoHash = new byte[20];
        new Random().nextBytes(infoHash);
        PeerRegistry registry = newRegistry();
        AnnounceService service = new AnnounceService(registry, new AnnounceService.Policy(1800, 900,
                Set.of(HexFormat.of().formatHex(infoHash))::contains));
        tracker = new UdpTracker(service, new ConnectionIds(key), clock::get);
    }

    /** The cluster's registry on a lone member; {@link LocalUdpTrackerTest} runs every test on a lone tracker's. */
    PeerRegistry newRegistry() {
        return new HazelcastPeerRegistry(vertx, hazelcast, Duration.ofMinutes(60), clock::get);
    }

    static <T> T await(Future<T> f) throws Exception {
        return org.enjambre.testutil.Futures.awaitUnwrapped(f);
    }

    static <T> T await(CompletionStage<T> stage) throws Exception {
        try {
            return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    byte[] send(byte[] datagram, byte[] ip, int port) throws Exception {
        return await(tracker.answer(datagram, ip, port));
    }

    long connect(byte[] ip, int port) throws Exception {
        int tx = ++transactions;
        byte[] request = UdpTrackerCodec.encode(new UdpTrackerRequest.Connect(tx));
        byte[] answer = send(request, ip, port);
        assertThat(answer).hasSize(request.length);
        UdpTrackerResponse.Connected connected = (UdpTrackerResponse.Connected) UdpTrackerCodec.decodeResponse(answer, 6);
        assertThat(connected.transactionId()).isEqualTo(tx);
        return connected.connectionId();
    }

    byte[] announceBytes(long connectionId, byte[] hash, int peerPort, long left, int numwant, int ipField) {
        byte[] peerId = String.format("-EJ0001-%012d", peerPort).getBytes();
        AnnounceRequest request = new AnnounceRequest(hash, peerId, peerPort, new TransferStats(0, 0, left),
                AnnounceEvent.STARTED, numwant, "0000abcd", null);
        return UdpTrackerCodec.encode(new UdpTrackerRequest.Announce(connectionId, ++transactions, request, ipField, ""));
    }

    UdpTrackerResponse announce(byte[] ip, int port, int peerPort, long left) throws Exception {
        long id = connect(ip, port);
        return UdpTrackerCodec.decodeResponse(send(announceBytes(id, infoHash, peerPort, left, 50, 0), ip, port),
                ip.length == 16 ? 18 : 6);
    }

    @Test
    void twoClientsThatConnectAndAnnounceAreHandedEachOther() throws Exception {
        UdpTrackerResponse first = announce(CLIENT, 7000, 6881, 0);
        assertThat(first).isInstanceOf(UdpTrackerResponse.Announced.class);
        UdpTrackerResponse.Announced second = (UdpTrackerResponse.Announced) announce(new byte[] {10, 1, 2, 4}, 7001, 6882, 1000);
        assertThat(second.intervalSeconds()).isEqualTo(1800);
        assertThat(second.seeders()).isEqualTo(1);
        assertThat(second.leechers()).isEqualTo(1);
        assertThat(second.peers()).containsExactly(new PeerAddress("10.1.2.3", 6881));
    }

    @Test
    void anAnnounceIsAnsweredOnTheSocketsExecutorWithoutAVertxContext() throws Exception {
        // The socket reads on its event loop and hands it over; the answer must be encoded there,
        // straight from the registry's stage (Hazelcast's thread must not write it), and never
        // through a Vert.x context (the hop this path avoids).
        ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "socket-loop"));
        try {
            long id = connect(CLIENT, 7000);
            CompletableFuture<String> answeredOn = new CompletableFuture<>();
            CompletableFuture<byte[]> answer = new CompletableFuture<>();
            byte[] request = announceBytes(id, infoHash, 6881, 0, 50, 0);
            loop.execute(() -> tracker.answer(request, CLIENT, 7000, loop, bytes -> {
                answeredOn.complete(Thread.currentThread().getName() + (Vertx.currentContext() == null ? "" : " in a Vert.x context"));
                answer.complete(bytes);
            }));
            assertThat(answeredOn.get(10, TimeUnit.SECONDS)).isEqualTo("socket-loop");
            assertThat(UdpTrackerCodec.decodeResponse(answer.get(10, TimeUnit.SECONDS), 6)).isInstanceOf(UdpTrackerResponse.Announced.class);
        } finally {
            loop.shutdownNow();
        }
    }

    @Test
    void aForgedConnectionIdIsRefusedWithAnErrorNoLongerThanTheRequest() throws Exception {
        long forged = connect(CLIENT, 7000) ^ 1;
        byte[] request = announceBytes(forged, infoHash, 6881, 0, 50, 0);
        byte[] answer = send(request, CLIENT, 7000);
        assertThat(answer.length).isLessThanOrEqualTo(request.length);
        assertThat(UdpTrackerCodec.decodeResponse(answer, 6)).isEqualTo(new UdpTrackerResponse.Error(transactions, "bad connection id"));
        assertThat(tracker.counts().badConnectionIds()).isEqualTo(1);
        // Nothing was registered: the next client sees an empty swarm.
        UdpTrackerResponse.Announced next = (UdpTrackerResponse.Announced) announce(new byte[] {10, 1, 2, 4}, 7001, 6882, 1000);
        assertThat(next.peers()).isEmpty();
        assertThat(next.seeders()).isZero();
    }

    @Test
    void anIdIssuedToAnotherAddressOrPortIsRefused() throws Exception {
        long id = connect(CLIENT, 7000);
        assertThat(UdpTrackerCodec.decodeResponse(send(announceBytes(id, infoHash, 6881, 0, 50, 0), new byte[] {10, 1, 2, 4}, 7000), 6))
                .isInstanceOf(UdpTrackerResponse.Error.class);
        assertThat(UdpTrackerCodec.decodeResponse(send(announceBytes(id, infoHash, 6881, 0, 50, 0), CLIENT, 7001), 6))
                .isInstanceOf(UdpTrackerResponse.Error.class);
    }

    @Test
    void anExpiredConnectionIdIsRefusedAndAFreshOneWorks() throws Exception {
        long id = connect(CLIENT, 7000);
        clock.addAndGet(Duration.ofMinutes(3).toMillis());
        byte[] request = announceBytes(id, infoHash, 6881, 0, 50, 0);
        assertThat(UdpTrackerCodec.decodeResponse(send(request, CLIENT, 7000), 6)).isInstanceOf(UdpTrackerResponse.Error.class);
        assertThat(announce(CLIENT, 7000, 6881, 0)).isInstanceOf(UdpTrackerResponse.Announced.class);
    }

    @Test
    void anIdIssuedByAnotherNodeWithTheSameKeyIsAccepted() throws Exception {
        UdpTracker other = new UdpTracker(null, new ConnectionIds(key.clone()), clock::get);
        byte[] connectAnswer = await(other.answer(UdpTrackerCodec.encode(new UdpTrackerRequest.Connect(1)), CLIENT, 7000));
        long id = ((UdpTrackerResponse.Connected) UdpTrackerCodec.decodeResponse(connectAnswer, 6)).connectionId();
        assertThat(UdpTrackerCodec.decodeResponse(send(announceBytes(id, infoHash, 6881, 0, 50, 0), CLIENT, 7000), 6))
                .isInstanceOf(UdpTrackerResponse.Announced.class);
    }

    @Test
    void afterARekeyIdsUnderTheFormerKeyStayValidUntilTheNextOne() throws Exception {
        long underFirst = connect(CLIENT, 7000);
        byte[] second = new byte[16];
        new Random().nextBytes(second);
        tracker.rekey(new ConnectionIds(second));
        long underSecond = connect(CLIENT, 7000);
        assertThat(underSecond).isNotEqualTo(underFirst);
        assertThat(UdpTrackerCodec.decodeResponse(send(announceBytes(underFirst, infoHash, 6881, 0, 50, 0), CLIENT, 7000), 6))
                .isInstanceOf(UdpTrackerResponse.Announced.class);
        tracker.rekey(new ConnectionIds(new byte[16]));
        assertThat(UdpTrackerCodec.decodeResponse(send(announceBytes(underFirst, infoHash, 6881, 0, 50, 0), CLIENT, 7000), 6))
                .isInstanceOf(UdpTrackerResponse.Error.class);
        assertThat(UdpTrackerCodec.decodeResponse(send(announceBytes(underSecond, infoHash, 6881, 0, 50, 0), CLIENT, 7000), 6))
                .isInstanceOf(UdpTrackerResponse.Announced.class);
    }

    @Test
    void unconnectedAddressesNeverGetMoreBytesThanTheySent() throws Exception {
        Random random = new Random(5);
        for (int i = 0; i < 2000; i++) {
            byte[] datagram = new byte[random.nextInt(120)];
            random.nextBytes(datagram);
            if (datagram.length >= 12 && random.nextBoolean()) {
                // Valid actions with random ids and bodies reach further into the tracker.
                datagram[8] = datagram[9] = datagram[10] = 0;
                datagram[11] = (byte) random.nextInt(4);
            }
            byte[] answer = send(datagram, CLIENT, 7000);
            if (answer != null) {
                assertThat(answer.length).as("answer to %d random bytes", datagram.length).isLessThanOrEqualTo(datagram.length);
            }
        }
        assertThat(send(new byte[15], CLIENT, 7000)).as("shorter than a header").isNull();
        byte[] badMagic = UdpTrackerCodec.encode(new UdpTrackerRequest.Connect(1));
        badMagic[7] ^= 1;
        assertThat(send(badMagic, CLIENT, 7000)).as("connect without the protocol id").isNull();
        assertThat(tracker.counts().announces()).isZero();
    }

    @Test
    void aTorrentOutsideTheAllowListGetsTheRefusalAsAnError() throws Exception {
        long id = connect(CLIENT, 7000);
        byte[] answer = send(announceBytes(id, new byte[20], 6881, 0, 50, 0), CLIENT, 7000);
        assertThat(UdpTrackerCodec.decodeResponse(answer, 6))
                .isEqualTo(new UdpTrackerResponse.Error(transactions, "torrent not served by this tracker"));
    }

    @Test
    void malformedAnnounceFromAConnectedClientIsToldWhy() throws Exception {
        long id = connect(CLIENT, 7000);
        byte[] request = announceBytes(id, infoHash, 6881, 0, 50, 0);
        request[83] = 9;
        assertThat(UdpTrackerCodec.decodeResponse(send(request, CLIENT, 7000), 6))
                .isEqualTo(new UdpTrackerResponse.Error(transactions, "invalid event 9"));
    }

    @Test
    void aClientOnLoopbackMayNameItsAddressAndOthersMayNot() throws Exception {
        long local = connect(LOCAL, 7000);
        send(announceBytes(local, infoHash, 6881, 0, 50, 0x0a000009), LOCAL, 7000);
        long remote = connect(CLIENT, 7001);
        send(announceBytes(remote, infoHash, 6882, 0, 50, 0x0a000008), CLIENT, 7001);
        UdpTrackerResponse.Announced seen = (UdpTrackerResponse.Announced) announce(new byte[] {10, 1, 2, 4}, 7002, 6883, 1);
        assertThat(seen.peers()).containsExactlyInAnyOrder(new PeerAddress("10.0.0.9", 6881), new PeerAddress("10.1.2.3", 6882));
    }

    @Test
    void ipv6ClientsGetIpv6PeersCappedToOneUnfragmentedDatagram() throws Exception {
        int peers = UdpTrackerCodec.maxPeers(true) + 10;
        for (int i = 0; i < peers; i++) {
            byte[] ip = HexFormat.of().parseHex("20010db8000000000000000000000000");
            ip[14] = (byte) (i >> 8);
            ip[15] = (byte) (i + 1);
            announce(ip, 7000, 10000 + i, 0);
        }
        byte[] asker = HexFormat.of().parseHex("20010db80000000000000000000fffff");
        long id = connect(asker, 7000);
        byte[] answer = send(announceBytes(id, infoHash, 6881, 1000, 200, 0), asker, 7000);
        assertThat(answer.length).isLessThanOrEqualTo(UdpTrackerCodec.MAX_PAYLOAD_IPV6);
        UdpTrackerResponse.Announced announced = (UdpTrackerResponse.Announced) UdpTrackerCodec.decodeResponse(answer, 18);
        assertThat(announced.peers()).hasSize(UdpTrackerCodec.maxPeers(true)).allMatch(PeerAddress::isIpv6);
        assertThat(announced.seeders()).isEqualTo(peers);
    }

    @Test
    void scrapeAnswersEachHashInOrderDuplicatesIncluded() throws Exception {
        announce(CLIENT, 7000, 6881, 0);
        announce(new byte[] {10, 1, 2, 4}, 7001, 6882, 5);
        long id = connect(CLIENT, 7000);
        byte[] request = UdpTrackerCodec.encode(new UdpTrackerRequest.Scrape(id, 77, List.of(infoHash, infoHash)));
        assertThat(UdpTrackerCodec.decodeResponse(send(request, CLIENT, 7000), 6))
                .isEqualTo(new UdpTrackerResponse.Scraped(77, List.of(new SwarmStats(1, 1, 0), new SwarmStats(1, 1, 0))));
        byte[] forged = UdpTrackerCodec.encode(new UdpTrackerRequest.Scrape(id + 1, 78, List.of(infoHash)));
        byte[] refused = send(forged, CLIENT, 7000);
        assertThat(refused.length).isLessThanOrEqualTo(forged.length);
        assertThat(UdpTrackerCodec.decodeResponse(refused, 6)).isInstanceOf(UdpTrackerResponse.Error.class);
    }
}
