package org.enjambre.tracker.client;

import org.enjambre.net.PeerAddress;
import org.enjambre.tracker.protocol.AnnounceEvent;
import org.enjambre.tracker.protocol.AnnounceCodec;

import io.vertx.core.Vertx;
import io.vertx.core.net.SelfSignedCertificate;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.BList;
import org.enjambre.testutil.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.enjambre.tracker.protocol.AnnounceCodecTest.INFO_HASH;
import static org.enjambre.tracker.protocol.AnnounceCodecTest.PEER_ID;
import static org.enjambre.tracker.client.RecordingTracker.Reply;
import static org.enjambre.testutil.Futures.await;
import static org.enjambre.tracker.client.RecordingTracker.compactAnswer;

/** The tracker client against real HTTP trackers on loopback sockets. */
class TrackerClientTest {
    static final byte[] TWO_PEERS = {127, 0, 0, 1, 0x1a, (byte) 0xe1, 127, 0, 0, 2, 0x1a, (byte) 0xe2};
    static final int OUR_PORT = 51413;
    /** The recording trackers listen on 127.0.0.1: allowed only by the user's choice. */
    static final TrackerClient.Options LOOPBACK = TrackerClient.Options.defaults().withPolicy(AnnouncePolicy.allowingPrivate());

    /** Made once: generating a key pair takes a couple of seconds. */
    private static SelfSignedCertificate certificate;

    private Vertx vertx;
    private final List<RecordingTracker> trackers = new ArrayList<>();
    private final List<TrackerClient> clients = new ArrayList<>();

    @BeforeAll
    static void makeCertificate() {
        certificate = SelfSignedCertificate.create("localhost");
    }

    @AfterAll
    static void deleteCertificate() {
        certificate.delete();
    }

    @BeforeEach
    void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (TrackerClient client : clients) {
            await(client.close());
        }
        for (RecordingTracker tracker : trackers) {
            tracker.close();
        }
        await(vertx.close());
    }

    private RecordingTracker tracker(java.util.function.Function<RecordingTracker.Recorded, Reply> behaviour) throws Exception {
        RecordingTracker t = RecordingTracker.start(vertx, behaviour);
        trackers.add(t);
        return t;
    }

    private TrackerClient client(TrackerTiers tiers) {
        return client(tiers, LOOPBACK);
    }

    private TrackerClient client(TrackerTiers tiers, TrackerClient.Options options) {
        TrackerClient c = new TrackerClient(vertx, tiers, INFO_HASH, PEER_ID, OUR_PORT, options);
        clients.add(c);
        return c;
    }

    private static String refusingUrl() {
        // A port nobody listens on: the connection is refused at once.
        return "http://127.0.0.1:" + FreePorts.next() + "/announce";
    }

    @Test
    void announceSendsEveryParameterWithRawBytesIntact() throws Exception {
        RecordingTracker t = tracker(compactAnswer(1800, TWO_PEERS));
        TrackerClient c = client(TrackerTiers.of(t.url() + "?passkey=abc%2F1", null));

        AnnounceResult result = await(c.announce(AnnounceEvent.STARTED, 1000, 2000, 3000));

        RecordingTracker.Recorded r = t.requests().get(0);
        assertThat(r.path()).isEqualTo("/announce");
        assertThat(r.text("passkey")).as("the announce URL's own query is kept").isEqualTo("abc/1");
        assertThat(r.bytes("info_hash")).isEqualTo(INFO_HASH);
        assertThat(r.bytes("peer_id")).isEqualTo(PEER_ID);
        assertThat(r.number("port")).isEqualTo(OUR_PORT);
        assertThat(r.number("uploaded")).isEqualTo(1000);
        assertThat(r.number("downloaded")).isEqualTo(2000);
        assertThat(r.number("left")).isEqualTo(3000);
        assertThat(r.text("event")).isEqualTo("started");
        assertThat(r.text("compact")).isEqualTo("1");
        assertThat(r.text("no_peer_id")).isEqualTo("1");
        assertThat(r.number("numwant")).isEqualTo(TrackerClient.DEFAULT_NUMWANT);
        assertThat(r.text("key")).matches("[0-9a-f]{8}");
        assertThat(r.params()).doesNotContainKey("trackerid");

        assertThat(result.trackerUrl()).isEqualTo(t.url() + "?passkey=abc%2F1");
        assertThat(result.event()).isEqualTo(AnnounceEvent.STARTED);
        assertThat(result.response().interval()).isEqualTo(Duration.ofSeconds(1800));
        assertThat(result.response().complete()).hasValue(1);
        assertThat(result.response().incomplete()).hasValue(2);
        assertThat(result.peers()).containsExactly(new PeerAddress("127.0.0.1", 6881), new PeerAddress("127.0.0.2", 6882));
    }

    @Test
    void keyStaysTheSameAndStoppedAsksForNoPeers() throws Exception {
        RecordingTracker t = tracker(compactAnswer(60, new byte[0]));
        TrackerClient c = client(TrackerTiers.of(t.url(), null));
        await(c.announce(AnnounceEvent.STARTED, 0, 0, 10));
        await(c.announce(AnnounceEvent.NONE, 0, 5, 5));
        await(c.announce(AnnounceEvent.STOPPED, 0, 5, 5));
        List<RecordingTracker.Recorded> rs = t.requests();
        assertThat(rs).extracting(r -> r.text("key")).containsOnly(rs.get(0).text("key"));
        assertThat(rs.get(1).params()).doesNotContainKey("event");
        assertThat(rs.get(2).text("event")).isEqualTo("stopped");
        assertThat(rs.get(2).number("numwant")).isZero();
    }

    @Test
    void trackerIdIsSentBackOnLaterAnnounces() throws Exception {
        byte[] id = {'t', 'i', 'd', 0, (byte) 0xee};
        RecordingTracker t = tracker(r -> Reply.bencoded(BDict.builder().put("interval", 60).put("peers", new byte[0])
                .put("tracker id", r.params().containsKey("trackerid") ? null : id).build()));
        TrackerClient c = client(TrackerTiers.of(t.url(), null));
        await(c.announce(AnnounceEvent.STARTED, 0, 0, 10));
        await(c.announce(AnnounceEvent.NONE, 0, 0, 10));
        await(c.announce(AnnounceEvent.NONE, 0, 0, 10));
        List<RecordingTracker.Recorded> rs = t.requests();
        assertThat(rs.get(0).params()).doesNotContainKey("trackerid");
        assertThat(rs.get(1).bytes("trackerid")).isEqualTo(id);
        assertThat(rs.get(2).bytes("trackerid")).as("kept when the tracker does not repeat it").isEqualTo(id);
    }

    @Test
    void failsOverToTheNextUrlWhenTheFirstRefusesConnections() throws Exception {
        RecordingTracker good = tracker(compactAnswer(60, TWO_PEERS));
        String dead = refusingUrl();
        TrackerClient c = client(TrackerTiers.inOrder(null, List.of(List.of(dead, good.url()))));

        AnnounceResult result = await(c.announce(AnnounceEvent.STARTED, 0, 0, 1));

        assertThat(result.trackerUrl()).isEqualTo(good.url());
        assertThat(result.peers()).hasSize(2);
        assertThat(c.tiers().snapshot()).containsExactly(List.of(good.url(), dead));
    }

    @Test
    void failsOverOnHttp500AndMovesTheTrackerThatAnsweredToTheFront() throws Exception {
        RecordingTracker broken = tracker(r -> Reply.raw(500, "oops".getBytes(StandardCharsets.US_ASCII)));
        RecordingTracker good = tracker(compactAnswer(60, TWO_PEERS));
        TrackerClient c = client(TrackerTiers.inOrder(null, List.of(List.of(broken.url(), good.url()))));

        assertThat(await(c.announce(AnnounceEvent.STARTED, 0, 0, 1)).trackerUrl()).isEqualTo(good.url());
        assertThat(c.tiers().snapshot().get(0)).containsExactly(good.url(), broken.url());

        // The next announce goes straight to the tracker that answered.
        assertThat(await(c.announce(AnnounceEvent.NONE, 0, 0, 1)).trackerUrl()).isEqualTo(good.url());
        assertThat(broken.requests()).hasSize(1);
        assertThat(good.requests()).hasSize(2);
    }

    @Test
    void failsOverOnAFailureReasonAndOnAMalformedAnswer() throws Exception {
        RecordingTracker refusing = tracker(r -> Reply.bencoded(BDict.builder().put("failure reason", "torrent not allowed").build()));
        RecordingTracker html = tracker(r -> Reply.raw(200, "<html>hello</html>".getBytes(StandardCharsets.US_ASCII)));
        RecordingTracker good = tracker(compactAnswer(60, TWO_PEERS));
        TrackerClient c = client(TrackerTiers.inOrder(null, List.of(List.of(refusing.url(), html.url(), good.url()))));

        assertThat(await(c.announce(AnnounceEvent.STARTED, 0, 0, 1)).trackerUrl()).isEqualTo(good.url());
        assertThat(refusing.requests()).hasSize(1);
        assertThat(html.requests()).hasSize(1);
    }

    @Test
    void failsOverWhenATrackerDoesNotAnswerInTime() throws Exception {
        RecordingTracker silent = tracker(r -> Reply.silence());
        RecordingTracker good = tracker(compactAnswer(60, TWO_PEERS));
        TrackerClient c = client(TrackerTiers.inOrder(null, List.of(List.of(silent.url(), good.url()))),
                LOOPBACK.withRequestTimeout(Duration.ofMillis(300)));

        long start = System.nanoTime();
        assertThat(await(c.announce(AnnounceEvent.STARTED, 0, 0, 1)).trackerUrl()).isEqualTo(good.url());
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(elapsedMs).isBetween(250L, 5_000L);
        assertThat(silent.requests()).hasSize(1);
    }

    @Test
    void failsOverToTheNextTierWhenEveryUrlOfATierFails() throws Exception {
        RecordingTracker broken = tracker(r -> Reply.raw(503, new byte[0]));
        RecordingTracker second = tracker(compactAnswer(60, TWO_PEERS));
        String dead = refusingUrl();
        TrackerClient c = client(TrackerTiers.inOrder(null, List.of(List.of(dead, broken.url()), List.of(second.url()))));

        AnnounceResult result = await(c.announce(AnnounceEvent.STARTED, 0, 0, 1));

        assertThat(result.trackerUrl()).isEqualTo(second.url());
        assertThat(broken.requests()).hasSize(1);
        assertThat(c.tiers().snapshot()).as("a tracker never moves to another tier")
                .containsExactly(List.of(dead, broken.url()), List.of(second.url()));
    }

    @Test
    void whenEveryTrackerFailsTheErrorNamesEachOneAndWhy() throws Exception {
        RecordingTracker refusing = tracker(r -> Reply.bencoded(BDict.builder().put("failure reason", "go away").build()));
        String dead = refusingUrl();
        TrackerClient c = client(TrackerTiers.inOrder(null, List.of(List.of(refusing.url()), List.of(dead))));

        assertThatThrownBy(() -> await(c.announce(AnnounceEvent.STARTED, 0, 0, 1)))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(AllTrackersFailedException.class)
                .hasMessageContaining(refusing.url() + " (tracker refused the announce: go away)")
                .hasMessageContaining(dead + " (");
    }

    @Test
    void noUsableTrackerFailsClearly() throws Exception {
        TrackerClient c = client(TrackerTiers.of("wss://tracker.example:1337/announce", null));
        assertThatThrownBy(() -> await(c.announce(AnnounceEvent.STARTED, 0, 0, 1)))
                .cause().isInstanceOf(AllTrackersFailedException.class)
                .hasMessage("no http://, https:// or udp:// tracker to announce to");
    }

    @Test
    void answerLargerThanTheLimitIsRefused() throws Exception {
        RecordingTracker huge = tracker(r -> Reply.raw(200, new byte[AnnounceCodec.MAX_RESPONSE_BYTES + 10]));
        TrackerClient c = client(TrackerTiers.of(huge.url(), null));
        assertThatThrownBy(() -> await(c.announce(AnnounceEvent.STARTED, 0, 0, 1)))
                .cause().hasMessageContaining("larger than the limit of " + AnnounceCodec.MAX_RESPONSE_BYTES);
    }

    @Test
    void chunkedAnswerThatGrowsPastTheLimitIsCutOff() throws Exception {
        byte[] chunk = new byte[AnnounceCodec.MAX_RESPONSE_BYTES / 2 + 1];
        RecordingTracker huge = tracker(r -> request -> {
            // No Content-Length: the client only learns the size while reading.
            request.response().setChunked(true);
            request.response().write(io.vertx.core.buffer.Buffer.buffer(chunk));
            request.response().write(io.vertx.core.buffer.Buffer.buffer(chunk));
            request.response().end();
        });
        TrackerClient c = client(TrackerTiers.of(huge.url(), null));
        assertThatThrownBy(() -> await(c.announce(AnnounceEvent.STARTED, 0, 0, 1)))
                .cause().hasMessageContaining("tracker answer is larger than the limit of " + AnnounceCodec.MAX_RESPONSE_BYTES);
    }

    @Test
    void dictionaryModelAnswerIsParsed() throws Exception {
        byte[] peerId = "-lt0D80-abcdefghijkl".getBytes(StandardCharsets.ISO_8859_1);
        RecordingTracker t = tracker(r -> Reply.bencoded(BDict.builder().put("interval", 60).put("peers", BList.of(
                BDict.builder().put("ip", "127.0.0.5").put("port", 7001).put("peer id", peerId).build(),
                BDict.builder().put("ip", "::1").put("port", 7002).build())).build()));
        TrackerClient c = client(TrackerTiers.of(t.url(), null));

        AnnounceResult result = await(c.announce(AnnounceEvent.STARTED, 0, 0, 1));

        assertThat(result.peers()).containsExactly(new PeerAddress("127.0.0.5", 7001),
                new PeerAddress("::1", 7002));
        assertThat(result.response().peers().get(0).peerIdIfKnown()).hasValueSatisfying(id -> assertThat(id).isEqualTo(peerId));
    }

    @Test
    void peers6AnswerIsParsed() throws Exception {
        byte[] v6 = new byte[18];
        v6[15] = 1;
        v6[16] = 0x1b;
        v6[17] = 0x59; // 7001
        RecordingTracker t = tracker(r -> Reply.bencoded(BDict.builder().put("interval", 60).put("peers", new byte[0])
                .put("peers6", v6).build()));
        TrackerClient c = client(TrackerTiers.of(t.url(), null));

        assertThat(await(c.announce(AnnounceEvent.STARTED, 0, 0, 1)).peers())
                .containsExactly(new PeerAddress("::1", 7001));
    }

    @Test
    void httpsTrackerIsReachedOverTls() throws Exception {
        RecordingTracker secure = RecordingTracker.startTls(vertx, certificate, compactAnswer(60, TWO_PEERS));
        trackers.add(secure);
        TrackerClient c = client(TrackerTiers.of(secure.url(), null),
                LOOPBACK.withTrustOptions(certificate.trustOptions()));

        AnnounceResult result = await(c.announce(AnnounceEvent.STARTED, 0, 0, 1));

        assertThat(result.trackerUrl()).startsWith("https://");
        assertThat(result.peers()).hasSize(2);
        assertThat(secure.requests().get(0).bytes("info_hash")).isEqualTo(INFO_HASH);
    }

    @Test
    void httpsTrackerWithAnUntrustedCertificateIsSkipped() throws Exception {
        RecordingTracker untrusted = RecordingTracker.startTls(vertx, certificate, compactAnswer(60, TWO_PEERS));
        trackers.add(untrusted);
        RecordingTracker plain = tracker(compactAnswer(60, TWO_PEERS));
        TrackerClient c = client(TrackerTiers.inOrder(null, List.of(List.of(untrusted.url(), plain.url()))));

        assertThat(await(c.announce(AnnounceEvent.STARTED, 0, 0, 1)).trackerUrl()).isEqualTo(plain.url());
        assertThat(untrusted.requests()).as("no request reaches a tracker we cannot authenticate").isEmpty();
    }

    @Test
    void redirectIsFollowed() throws Exception {
        RecordingTracker target = tracker(compactAnswer(60, TWO_PEERS));
        RecordingTracker moved = tracker(r -> request -> request.response().setStatusCode(302)
                .putHeader("Location", target.url() + "?" + r.rawQuery()).end());
        TrackerClient c = client(TrackerTiers.of(moved.url(), null));

        assertThat(await(c.announce(AnnounceEvent.STARTED, 0, 0, 1)).peers()).hasSize(2);
        assertThat(target.requests().get(0).bytes("info_hash")).isEqualTo(INFO_HASH);
    }
}
