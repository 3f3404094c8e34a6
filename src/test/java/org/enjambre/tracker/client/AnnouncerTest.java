package org.enjambre.tracker.client;

import org.enjambre.net.PeerAddress;
import org.enjambre.tracker.protocol.TransferStats;

import io.vertx.core.Vertx;
import org.enjambre.bencode.BDict;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.enjambre.tracker.protocol.AnnounceCodecTest.INFO_HASH;
import static org.enjambre.tracker.protocol.AnnounceCodecTest.PEER_ID;
import static org.enjambre.tracker.client.RecordingTracker.Reply;
import static org.enjambre.testutil.Futures.await;
import static org.enjambre.tracker.client.RecordingTracker.compactAnswer;
import static org.enjambre.tracker.client.TrackerClientTest.TWO_PEERS;

/** The announce lifecycle of one torrent against a real HTTP tracker on loopback, with short intervals. */
class AnnouncerTest {
    static final Duration FLOOR = Duration.ofMillis(300);
    static final Announcer.Options FAST = Announcer.Options.defaults()
            .withMinimumInterval(FLOOR)
            .withRetryDelay(Duration.ofMillis(200), Duration.ofMillis(800))
            .withStopTimeout(Duration.ofMillis(1500));
    static final Duration WAIT = Duration.ofSeconds(8);

    private Vertx vertx;
    private final List<RecordingTracker> trackers = new ArrayList<>();
    private final List<Announcer> announcers = new ArrayList<>();
    private final List<List<PeerAddress>> peersSeen = new CopyOnWriteArrayList<>();
    /** Counts as the engine would: every announce reads the current values. */
    private final AtomicLong downloaded = new AtomicLong();

    @BeforeEach
    void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (Announcer a : announcers) {
            await(a.stop());
        }
        for (RecordingTracker t : trackers) {
            t.close();
        }
        await(vertx.close());
    }

    private RecordingTracker tracker(Function<RecordingTracker.Recorded, Reply> behaviour) throws Exception {
        RecordingTracker t = RecordingTracker.start(vertx, behaviour);
        trackers.add(t);
        return t;
    }

    private Announcer announcer(RecordingTracker tracker, Announcer.Options options) {
        TrackerClient client = new TrackerClient(vertx, TrackerTiers.of(tracker.url(), null), INFO_HASH, PEER_ID, 6881,
                TrackerClient.Options.defaults().withPolicy(AnnouncePolicy.allowingPrivate()).withRequestTimeout(Duration.ofSeconds(2)));
        // Each read of the counts moves them on, so the test can tell that every announce read them afresh.
        Announcer a = Announcer.create(vertx, client, () -> {
            long d = downloaded.addAndGet(100);
            return new TransferStats(7, d, 10_000 - d);
        }, peersSeen::add, options);
        announcers.add(a);
        return a;
    }

    private static Function<RecordingTracker.Recorded, Reply> answer(long interval, Long minInterval) {
        return r -> Reply.bencoded(BDict.builder().put("interval", interval)
                .put("min interval", minInterval == null ? null : org.enjambre.bencode.BInt.of(minInterval))
                .put("peers", new byte[0]).build());
    }

    private static long gapMs(RecordingTracker.Recorded a, RecordingTracker.Recorded b) {
        return (b.atNanos() - a.atNanos()) / 1_000_000;
    }

    @Test
    void startsWithStartedThenReannouncesEveryIntervalWithFreshCounts() throws Exception {
        RecordingTracker t = tracker(compactAnswer(1, TWO_PEERS));
        announcer(t, FAST).start();

        List<RecordingTracker.Recorded> rs = t.awaitRequests(3, WAIT);

        assertThat(rs.get(0).text("event")).isEqualTo("started");
        assertThat(rs.get(1).params()).doesNotContainKey("event");
        assertThat(rs.get(2).params()).doesNotContainKey("event");
        assertThat(gapMs(rs.get(0), rs.get(1))).as("interval of 1 s honoured").isBetween(950L, 3_000L);
        assertThat(gapMs(rs.get(1), rs.get(2))).isBetween(950L, 3_000L);
        assertThat(rs.subList(0, 3)).extracting(r -> r.number("downloaded")).containsExactly(100L, 200L, 300L);
        assertThat(rs.subList(0, 3)).extracting(r -> r.number("left")).containsExactly(9_900L, 9_800L, 9_700L);
        assertThat(rs.get(0).number("uploaded")).isEqualTo(7);
        assertThat(peersSeen.get(0)).containsExactly(new PeerAddress("127.0.0.1", 6881), new PeerAddress("127.0.0.2", 6882));
    }

    @Test
    void minIntervalWinsOverAShorterInterval() throws Exception {
        RecordingTracker t = tracker(answer(0, 1L));
        announcer(t, FAST).start();

        List<RecordingTracker.Recorded> rs = t.awaitRequests(2, WAIT);

        assertThat(gapMs(rs.get(0), rs.get(1))).isGreaterThanOrEqualTo(950L);
    }

    @Test
    void ourFloorAppliesWhenATrackerAsksForHammering() throws Exception {
        RecordingTracker t = tracker(answer(0, null));
        Announcer a = announcer(t, FAST);
        a.start();

        List<RecordingTracker.Recorded> rs = t.awaitRequests(3, WAIT);
        await(a.stop());

        assertThat(gapMs(rs.get(0), rs.get(1))).isGreaterThanOrEqualTo(FLOOR.toMillis() - 20);
        assertThat(gapMs(rs.get(1), rs.get(2))).isGreaterThanOrEqualTo(FLOOR.toMillis() - 20);
    }

    @Test
    void completedIsSentOnceAndAtOnce() throws Exception {
        RecordingTracker t = tracker(answer(60, null));
        Announcer a = announcer(t, FAST);
        a.start();
        t.awaitRequests(1, WAIT);
        Thread.sleep(100); // let the started answer arrive, so completed is not queued behind it

        long before = System.nanoTime();
        a.completed();
        a.completed();
        List<RecordingTracker.Recorded> rs = t.awaitRequests(2, WAIT);
        long tookMs = (rs.get(1).atNanos() - before) / 1_000_000;

        assertThat(rs.get(1).text("event")).isEqualTo("completed");
        assertThat(tookMs).as("not held back until the 60 s interval").isLessThan(2_000);
        Thread.sleep(500);
        assertThat(t.requests()).as("only one completed").hasSize(2);
    }

    @Test
    void completedToldBeforeStartedGotThroughFollowsStarted() throws Exception {
        RecordingTracker t = tracker(answer(60, null));
        Announcer a = announcer(t, FAST);
        a.start();
        a.completed();

        List<RecordingTracker.Recorded> rs = t.awaitRequests(2, WAIT);

        assertThat(rs).extracting(r -> r.text("event")).containsExactly("started", "completed");
    }

    @Test
    void startedIsRetriedWithGrowingDelaysUntilATrackerAcceptsIt() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        RecordingTracker t = tracker(r -> calls.incrementAndGet() <= 2
                ? Reply.raw(500, new byte[0])
                : Reply.bencoded(BDict.builder().put("interval", 1).put("peers", TWO_PEERS).build()));
        announcer(t, FAST).start();

        List<RecordingTracker.Recorded> rs = t.awaitRequests(4, WAIT);

        assertThat(rs.subList(0, 4)).extracting(r -> r.text("event")).containsExactly("started", "started", "started", null);
        assertThat(gapMs(rs.get(0), rs.get(1))).as("first retry delay").isGreaterThanOrEqualTo(180L);
        assertThat(gapMs(rs.get(1), rs.get(2))).as("doubled").isGreaterThanOrEqualTo(380L);
        assertThat(peersSeen).isNotEmpty();
    }

    @Test
    void earlyFailuresAreRetriedQuicklyThenTheUsualBackOffApplies() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        RecordingTracker t = tracker(r -> calls.incrementAndGet() <= 3
                ? Reply.raw(500, new byte[0])
                : Reply.bencoded(BDict.builder().put("interval", 1).put("peers", TWO_PEERS).build()));
        announcer(t, FAST.withRetryDelay(Duration.ofMillis(900), Duration.ofSeconds(2))
                .withStartRetries(2, Duration.ofMillis(50))).start();

        List<RecordingTracker.Recorded> rs = t.awaitRequests(4, WAIT);

        assertThat(rs.subList(0, 4)).extracting(r -> r.text("event")).containsExactly("started", "started", "started", "started");
        assertThat(gapMs(rs.get(0), rs.get(1))).as("first early retry").isLessThan(600L);
        assertThat(gapMs(rs.get(1), rs.get(2))).as("second early retry").isLessThan(600L);
        assertThat(gapMs(rs.get(2), rs.get(3))).as("early retries used up: the usual first delay").isGreaterThanOrEqualTo(880L);
        // The tracker recorded the fourth request before its answer reached the announcer.
        awaitPeers();
        assertThat(peersSeen).isNotEmpty();
    }

    /** Waits, at most {@link #WAIT}, until the announcer has handed over a peer list. */
    private void awaitPeers() throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (peersSeen.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    void earlyRetriesAreBoundedAndRefusedOutsideTheirRange() {
        assertThat(Announcer.Options.defaults().startRetries()).as("none unless asked").isZero();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Announcer.Options.defaults()
                .withStartRetries(Announcer.Options.MAX_START_RETRIES + 1, Duration.ofMillis(250)))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Announcer.Options.defaults()
                .withStartRetries(3, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void stopSendsStoppedAndNothingAfterIt() throws Exception {
        RecordingTracker t = tracker(answer(1, null));
        Announcer a = announcer(t, FAST);
        a.start();
        t.awaitRequests(1, WAIT);
        Thread.sleep(100);

        await(a.stop());

        List<RecordingTracker.Recorded> rs = t.requests();
        assertThat(rs).extracting(r -> r.text("event")).containsExactly("started", "stopped");
        assertThat(rs.get(1).number("numwant")).isZero();
        Thread.sleep(1_300); // longer than the interval: no announce may follow stopped
        assertThat(t.requests()).hasSize(2);
        assertThat(a.stop().isComplete()).as("stop is idempotent").isTrue();
    }

    @Test
    void stopIsBoundedWhenTheTrackerDoesNotAnswer() throws Exception {
        RecordingTracker t = tracker(answer(60, null));
        Announcer a = announcer(t, FAST.withStopTimeout(Duration.ofMillis(500)));
        a.start();
        t.awaitRequests(1, WAIT);
        Thread.sleep(100);
        t.behave(r -> Reply.silence());

        long start = System.nanoTime();
        await(a.stop());
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(tookMs).isBetween(400L, 1_500L);
        assertThat(t.requests()).extracting(r -> r.text("event")).containsExactly("started", "stopped");
    }

    @Test
    void stopBeforeAnyTrackerAcceptedStartedSendsNoStopped() throws Exception {
        RecordingTracker t = tracker(r -> Reply.raw(500, new byte[0]));
        Announcer a = announcer(t, FAST);
        a.start();
        t.awaitRequests(1, WAIT);

        await(a.stop());

        assertThat(t.requests()).extracting(r -> r.text("event")).doesNotContain("stopped");
        assertThat(a.lastError()).isPresent();
        assertThat(a.lastResult()).isEmpty();
    }

    @Test
    void requestPeersAnnouncesEarlyButNotBeforeTheMinInterval() throws Exception {
        RecordingTracker t = tracker(answer(60, 1L));
        Announcer a = announcer(t, FAST);
        a.start();
        t.awaitRequests(1, WAIT);
        Thread.sleep(100);

        a.requestPeers();
        List<RecordingTracker.Recorded> rs = t.awaitRequests(2, WAIT);

        assertThat(gapMs(rs.get(0), rs.get(1))).as("not before min interval, long before the interval").isBetween(950L, 5_000L);
        assertThat(rs.get(1).params()).doesNotContainKey("event");
    }

    @Test
    void withNoUsableTrackerNothingIsAnnouncedAndStopIsImmediate() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        TrackerClient client = new TrackerClient(vertx, TrackerTiers.of("wss://127.0.0.1:1/announce", null), INFO_HASH, PEER_ID, 6881);
        Announcer a = Announcer.create(vertx, client, () -> {
            reads.incrementAndGet();
            return new TransferStats(0, 0, 1);
        }, peersSeen::add, FAST);
        a.start();
        Thread.sleep(500);
        await(a.stop());
        assertThat(reads).as("no announce was even prepared").hasValue(0);
        assertThat(a.lastError()).isEmpty();
    }
}
