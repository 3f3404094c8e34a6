package org.enjambre.discovery;

import static org.enjambre.testutil.Futures.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.enjambre.net.PeerAddress;
import org.enjambre.net.PeerOrigin;
import org.enjambre.tracker.client.AnnouncePolicy;
import org.enjambre.tracker.client.Announcer;
import org.enjambre.tracker.client.TrackerClient;
import org.enjambre.tracker.client.TrackerTiers;
import org.enjambre.tracker.protocol.AnnounceAnswer;
import org.enjambre.tracker.protocol.PeerEntry;
import org.enjambre.tracker.protocol.SwarmStats;
import org.enjambre.tracker.protocol.TrackerResponses;
import org.enjambre.tracker.protocol.TransferStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A tracker source against a real HTTP tracker on loopback that answers two peers and records each event. */
class TrackerSourceTest {
    static final PeerAddress V4 = new PeerAddress("127.0.0.2", 6881);
    static final PeerAddress V6 = new PeerAddress("::1", 6882);
    static final Announcer.Options FAST = Announcer.Options.defaults()
            .withRetryDelay(Duration.ofMillis(200), Duration.ofSeconds(1))
            .withStopTimeout(Duration.ofSeconds(10));

    Vertx vertx;
    HttpServer tracker;
    final List<String> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startTracker() throws Exception {
        vertx = Vertx.vertx();
        byte[] answer = TrackerResponses.announce(new AnnounceAnswer(new SwarmStats(1, 1, 0),
                List.of(PeerEntry.of(V4), PeerEntry.of(V6))), 1800, 900, true, true);
        tracker = await(vertx.createHttpServer().requestHandler(request -> {
            String event = request.getParam("event");
            events.add(event == null ? "none" : event);
            request.response().end(Buffer.buffer(answer));
        }).listen(0, "127.0.0.1"));
    }

    @AfterEach
    void stop() throws Exception {
        await(vertx.close());
    }

    TrackerSource source() {
        TrackerClient client = new TrackerClient(vertx,
                TrackerTiers.of("http://127.0.0.1:" + tracker.actualPort() + "/announce", null),
                new byte[20], "-EJ0001-000000000000".getBytes(), 6881,
                // The tracker listens on 127.0.0.1: allowed only by the user's choice.
                TrackerClient.Options.defaults().withPolicy(AnnouncePolicy.allowingPrivate()).withRequestTimeout(Duration.ofSeconds(10)));
        return new TrackerSource(vertx, client, () -> new TransferStats(0, 0, 100), FAST);
    }

    @Test
    void everyPeerOfATrackerAnswerReachesTheSinkTaggedTracker() throws Exception {
        TrackerSource source = source();
        RecordingSink sink = new RecordingSink();
        source.start(sink);
        waitFor(() -> sink.received.size() >= 2);
        assertThat(sink.received).containsExactly(new RecordingSink.Candidate(V4, PeerOrigin.TRACKER),
                new RecordingSink.Candidate(V6, PeerOrigin.TRACKER));
        await(source.stop());
        assertThat(events).containsExactly("started", "stopped");
    }

    @Test
    void completedIsAnnouncedOnceAndStopAnnouncesStopped() throws Exception {
        TrackerSource source = source();
        source.start(new RecordingSink());
        waitFor(() -> events.contains("started"));
        source.completed();
        source.completed();
        waitFor(() -> events.contains("completed"));
        await(source.stop());
        assertThat(events).containsExactly("started", "completed", "stopped");
    }

    @Test
    void aSourceStoppedBeforeItStartedNeverAnnounces() throws Exception {
        TrackerSource source = source();
        await(source.stop());
        source.start(new RecordingSink());
        Thread.sleep(300);
        assertThat(events).isEmpty();
    }

    static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.sleep(20);
        }
    }

}
