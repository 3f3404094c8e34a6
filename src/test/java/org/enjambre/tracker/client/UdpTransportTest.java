package org.enjambre.tracker.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.enjambre.testutil.Futures.await;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import org.enjambre.net.PeerAddress;
import org.enjambre.net.UdpEndpoint;
import org.enjambre.node.TrackerNode;
import org.enjambre.node.TrackerSettings;
import org.enjambre.tracker.protocol.AnnounceCodecTest;
import org.enjambre.tracker.protocol.AnnounceEvent;
import org.enjambre.tracker.protocol.TrackerFailureException;
import org.enjambre.tracker.protocol.TrackerResponseException;
import org.enjambre.tracker.protocol.UdpTrackerCodec;
import org.enjambre.tracker.protocol.UdpTrackerRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The BEP 15 client: against our own UDP tracker (a real node on loopback) two clients find each
 * other; against a scripted UDP tracker, lost datagrams are sent again with a doubling wait, the
 * connection id is reused, a silent tracker fails after a bounded number of tries, and errors and
 * malformed answers come back as clear failures.
 */
class UdpTransportTest {
    static final byte[] INFO_HASH = AnnounceCodecTest.range(0x20, 20);
    static final Duration TIMEOUT = Duration.ofMillis(300);

    private Vertx vertx;
    private final List<TrackerClient> clients = new ArrayList<>();
    private DatagramSocket scripted;
    /** What the scripted tracker received: the request and when. */
    private final List<UdpTrackerRequest> received = Collections.synchronizedList(new ArrayList<>());
    private final List<Long> receivedAt = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() throws Exception {
        for (TrackerClient c : clients) {
            await(c.close());
        }
        await(vertx.close());
    }

    TrackerClient client(String url, String peerIdSuffix, int port, Duration timeout) {
        byte[] peerId = ("-EJ0001-" + peerIdSuffix).getBytes(StandardCharsets.ISO_8859_1);
        TrackerClient c = new TrackerClient(vertx, TrackerTiers.of(url, null), INFO_HASH, peerId, port,
                TrackerClient.Options.defaults().withRequestTimeout(timeout).withPolicy(AnnouncePolicy.allowingPrivate()));
        clients.add(c);
        return c;
    }

    /** A UDP tracker whose answer to each request is {@code script(request, index of the datagram)}; null: silence. */
    String scriptedTracker(BiFunction<UdpTrackerRequest, Integer, byte[]> script) throws Exception {
        scripted = vertx.createDatagramSocket(new DatagramSocketOptions());
        scripted.handler(packet -> {
            UdpTrackerRequest request = UdpTrackerCodec.decodeRequest(packet.data().getBytes());
            int index;
            synchronized (received) {
                received.add(request);
                receivedAt.add(System.nanoTime());
                index = received.size() - 1;
            }
            byte[] answer = script.apply(request, index);
            if (answer != null) {
                scripted.send(Buffer.buffer(answer), packet.sender().port(), packet.sender().host());
            }
        });
        await(scripted.listen(0, "127.0.0.1"));
        return "udp://127.0.0.1:" + scripted.localAddress().port() + "/announce";
    }

    static byte[] answer(UdpTrackerRequest request, long connectionId) {
        return switch (request) {
            case UdpTrackerRequest.Connect c -> UdpTrackerCodec.connected(c.transactionId(), connectionId);
            case UdpTrackerRequest.Announce a -> {
                byte[] peer = {10, 0, 0, 1, 0x1a, (byte) 0xe1};
                yield UdpTrackerCodec.announced(a.transactionId(), 900, 2, 1, peer, 0, peer.length);
            }
            default -> null;
        };
    }

    @Test
    void twoClientsFindEachOtherThroughOurUdpTracker() throws Exception {
        try (TrackerNode node = TrackerNode.start(new TrackerSettings("127.0.0.1", 0, 60, null, 1 << 20, 0), null, 1)) {
            String url = node.udpAnnounceUrl();
            TrackerClient a = client(url, "aaaaaaaaaaaa", 40001, Duration.ofSeconds(2));
            TrackerClient b = client(url, "bbbbbbbbbbbb", 40002, Duration.ofSeconds(2));
            await(a.announce(AnnounceEvent.STARTED, 0, 0, 1000));
            AnnounceResult seenByB = await(b.announce(AnnounceEvent.STARTED, 0, 0, 1000));
            assertThat(seenByB.trackerUrl()).isEqualTo(url);
            assertThat(seenByB.peers()).containsExactly(new PeerAddress("127.0.0.1", 40001));
            assertThat(seenByB.response().incomplete()).hasValue(2);
            assertThat(seenByB.response().interval()).isEqualTo(Duration.ofSeconds(60));

            await(a.announce(AnnounceEvent.COMPLETED, 0, 1000, 0));
            AnnounceResult afterCompleted = await(b.announce(AnnounceEvent.NONE, 0, 0, 1000));
            assertThat(afterCompleted.response().complete()).hasValue(1);
            assertThat(afterCompleted.response().incomplete()).hasValue(1);

            await(a.announce(AnnounceEvent.STOPPED, 0, 1000, 0));
            AnnounceResult afterStopped = await(b.announce(AnnounceEvent.NONE, 0, 0, 1000));
            assertThat(afterStopped.peers()).isEmpty();
            assertThat(afterStopped.response().complete()).hasValue(0);
        }
    }

    @Test
    void lostDatagramsAreSentAgainWithADoublingWaitAndTheConnectionIdIsReused() throws Exception {
        // The first connect and the first announce are lost.
        String url = scriptedTracker((request, index) -> index == 0 || index == 2 ? null : answer(request, 0x77L));
        TrackerClient c = client(url, "cccccccccccc", 40003, TIMEOUT);
        AnnounceResult result = await(c.announce(AnnounceEvent.STARTED, 0, 0, 1000));
        assertThat(result.peers()).containsExactly(new PeerAddress("10.0.0.1", 6881));
        assertThat(result.response().complete()).hasValue(1);
        assertThat(result.response().incomplete()).hasValue(2);
        assertThat(received).extracting(r -> r.getClass().getSimpleName())
                .containsExactly("Connect", "Connect", "Announce", "Connect", "Announce");
        double firstWait = (receivedAt.get(1) - receivedAt.get(0)) / 1e6;
        double secondWait = (receivedAt.get(3) - receivedAt.get(2)) / 1e6;
        assertThat(firstWait).as("first retransmission after the first timeout").isGreaterThanOrEqualTo(TIMEOUT.toMillis() - 20);
        assertThat(secondWait).as("then twice as long").isGreaterThanOrEqualTo(2 * TIMEOUT.toMillis() - 20);
        UdpTrackerRequest.Announce sent = (UdpTrackerRequest.Announce) received.get(4);
        assertThat(sent.connectionId()).isEqualTo(0x77L);
        assertThat(sent.urlData()).isEqualTo("/announce");
        assertThat(sent.request().event()).isEqualTo(AnnounceEvent.STARTED);

        // Within the minute the id is reused: the next announce sends no connect.
        await(c.announce(AnnounceEvent.NONE, 0, 0, 1000));
        assertThat(received).hasSize(6);
        assertThat(received.get(5)).isInstanceOf(UdpTrackerRequest.Announce.class);
    }

    @Test
    void announcesRunOverTheNodesSharedSocketBesideTheDht() throws Exception {
        // The scripted tracker also sends a KRPC-looking datagram first: it must reach the DHT side only.
        UdpEndpoint endpoint = await(UdpEndpoint.bind(vertx, "127.0.0.1", 0));
        List<String> krpc = Collections.synchronizedList(new ArrayList<>());
        endpoint.onKrpc((datagram, sender) -> krpc.add(datagram.toString(StandardCharsets.ISO_8859_1)));
        String url = scriptedTracker((request, index) -> {
            if (index == 0) {
                scripted.send(Buffer.buffer("d1:y1:re"), endpoint.localPort(), "127.0.0.1");
            }
            return answer(request, 0x55L);
        });
        UdpTrackerSocket shared = UdpTrackerSocket.over(vertx, endpoint);
        byte[] peerId = "-EJ0001-iiiiiiiiiiii".getBytes(StandardCharsets.ISO_8859_1);
        TrackerClient c = new TrackerClient(vertx, TrackerTiers.of(url, null), INFO_HASH, peerId, 40009,
                TrackerClient.Options.defaults().withRequestTimeout(TIMEOUT).withPolicy(AnnouncePolicy.allowingPrivate())
                        .withUdpSocket(shared));
        clients.add(c);
        AnnounceResult result = await(c.announce(AnnounceEvent.STARTED, 0, 0, 1000));
        assertThat(result.peers()).containsExactly(new PeerAddress("10.0.0.1", 6881));
        assertThat(krpc).containsExactly("d1:y1:re");
        // Closing the client leaves the node's socket open for the DHT.
        await(c.close());
        clients.remove(c);
        await(endpoint.send(Buffer.buffer("d1:y1:qe"), scripted.localAddress()));
        await(endpoint.close());
    }

    @Test
    void aSilentTrackerFailsAfterABoundedNumberOfTries() throws Exception {
        String url = scriptedTracker((request, index) -> null);
        TrackerClient c = client(url, "dddddddddddd", 40004, TIMEOUT);
        long start = System.nanoTime();
        assertThatThrownBy(() -> await(c.announce(AnnounceEvent.STARTED, 0, 0, 1000)))
                .cause().isInstanceOf(AllTrackersFailedException.class)
                .satisfies(e -> assertThat(((AllTrackersFailedException) e).failures().values()).singleElement()
                        .isInstanceOf(TimeoutException.class));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(received).hasSize(UdpTransport.MAX_TRIES).allMatch(r -> r instanceof UdpTrackerRequest.Connect);
        // 0.3 + 0.6 + 1.2 s of waiting, then it gives up.
        assertThat(seconds).isBetween(2.0, 6.0);
    }

    @Test
    void anErrorAnswerIsTheTrackersFailureReason() throws Exception {
        String url = scriptedTracker((request, index) -> request instanceof UdpTrackerRequest.Announce a
                ? UdpTrackerCodec.error(a.transactionId(), "torrent not registered", 200) : answer(request, 5));
        TrackerClient c = client(url, "eeeeeeeeeeee", 40005, TIMEOUT);
        assertThatThrownBy(() -> await(c.announce(AnnounceEvent.STARTED, 0, 0, 1000)))
                .cause().isInstanceOf(AllTrackersFailedException.class)
                .satisfies(e -> assertThat(((AllTrackersFailedException) e).failures().values()).singleElement()
                        .isInstanceOf(TrackerFailureException.class))
                .hasMessageContaining("torrent not registered");
        // A refused announce may mean an expired id: the next one connects again.
        assertThatThrownBy(() -> await(c.announce(AnnounceEvent.NONE, 0, 0, 1000)));
        assertThat(received).extracting(r -> r.getClass().getSimpleName())
                .containsExactly("Connect", "Announce", "Connect", "Announce");
    }

    @Test
    void aMalformedAnswerIsRefusedWithWhatIsWrong() throws Exception {
        String url = scriptedTracker((request, index) -> {
            if (request instanceof UdpTrackerRequest.Announce a) {
                byte[] good = answer(request, 5);
                return java.util.Arrays.copyOf(good, good.length - 1);
            }
            return answer(request, 5);
        });
        TrackerClient c = client(url, "ffffffffffff", 40006, TIMEOUT);
        assertThatThrownBy(() -> await(c.announce(AnnounceEvent.STARTED, 0, 0, 1000)))
                .cause().isInstanceOf(AllTrackersFailedException.class)
                .satisfies(e -> assertThat(((AllTrackersFailedException) e).failures().values()).singleElement()
                        .isInstanceOf(TrackerResponseException.class))
                .hasMessageContaining("not a multiple of 6");
    }

    @Test
    void answersWithAnotherTransactionIdAreIgnored() throws Exception {
        // The tracker answers with a wrong transaction id, then (on the retransmission) correctly.
        String url = scriptedTracker((request, index) -> index == 0
                ? UdpTrackerCodec.connected(((UdpTrackerRequest.Connect) request).transactionId() + 1, 9)
                : answer(request, 9));
        TrackerClient c = client(url, "gggggggggggg", 40007, TIMEOUT);
        await(c.announce(AnnounceEvent.STARTED, 0, 0, 1000));
        assertThat(received).extracting(r -> r.getClass().getSimpleName()).containsExactly("Connect", "Connect", "Announce");
        assertThat(((UdpTrackerRequest.Announce) received.get(2)).connectionId()).isEqualTo(9);
    }

    @Test
    void aTrackerOnThisMachineIsNotContactedUnlessAllowed() throws Exception {
        String url = scriptedTracker((request, index) -> answer(request, 1));
        byte[] peerId = "-EJ0001-hhhhhhhhhhhh".getBytes(StandardCharsets.ISO_8859_1);
        TrackerClient c = new TrackerClient(vertx, TrackerTiers.of(url, null), INFO_HASH, peerId, 40008,
                TrackerClient.Options.defaults().withRequestTimeout(TIMEOUT));
        clients.add(c);
        assertThatThrownBy(() -> await(c.announce(AnnounceEvent.STARTED, 0, 0, 1000)))
                .cause().isInstanceOf(AllTrackersFailedException.class)
                .satisfies(e -> assertThat(((AllTrackersFailedException) e).failures().values()).singleElement()
                        .isInstanceOf(TrackerRefusedException.class));
        assertThat(received).isEmpty();
    }
}
