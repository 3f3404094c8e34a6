package org.enjambre.tracker.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.enjambre.testutil.Futures;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.enjambre.net.AddressScope;
import org.enjambre.tracker.protocol.AnnounceEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Announces never reach an address the user did not choose: a torrent naming a tracker on this
 * machine or the local network is refused before any connection, unless private trackers are allowed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AnnouncePolicyTest {
    static final byte[] INFO_HASH = new byte[20];
    static final byte[] PEER_ID = "-EJ0001-policytest00".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    static final byte[] ONE_PEER = {127, 0, 0, 1, 0x1a, (byte) 0xe1};

    Vertx vertx;
    final List<RecordingTracker> trackers = new ArrayList<>();
    final List<TrackerClient> clients = new ArrayList<>();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() throws Exception {
        for (TrackerClient c : clients) {
            Futures.await(c.close());
        }
        for (RecordingTracker t : trackers) {
            t.close();
        }
        Futures.await(vertx.close());
    }

    RecordingTracker tracker() throws Exception {
        RecordingTracker t = RecordingTracker.start(vertx, RecordingTracker.compactAnswer(60, ONE_PEER));
        trackers.add(t);
        return t;
    }

    TrackerClient client(String url, AnnouncePolicy policy) {
        TrackerClient c = new TrackerClient(vertx, TrackerTiers.of(url, null), INFO_HASH, PEER_ID, 6881,
                TrackerClient.Options.defaults().withRequestTimeout(Duration.ofSeconds(15)).withPolicy(policy));
        clients.add(c);
        return c;
    }

    static Throwable failure(TrackerClient c) throws Exception {
        try {
            Futures.await(c.announce(AnnounceEvent.STARTED, 0, 0, 1));
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("the announce was made");
    }

    @Test
    void announceToLoopbackIsRefusedWithoutTheFlagAndNothingArrives() throws Exception {
        RecordingTracker listener = tracker();
        Throwable error = failure(client(listener.url(), AnnouncePolicy.publicOnly()));

        assertThat(error).isInstanceOf(AllTrackersFailedException.class);
        Throwable why = ((AllTrackersFailedException) error).failures().get(listener.url());
        assertThat(why).isInstanceOf(TrackerRefusedException.class)
                .hasMessageContaining("127.0.0.1").hasMessageContaining("loopback").hasMessageContaining("--allow-private-trackers");
        Thread.sleep(300);
        assertThat(listener.requests()).as("nothing reached the listener").isEmpty();
    }

    @Test
    void announceToAPrivateNetworkIsRefusedBeforeAnyConnection() throws Exception {
        Throwable error = failure(client("http://10.1.2.3:6969/announce", AnnouncePolicy.publicOnly()));
        assertThat(((AllTrackersFailedException) error).failures().get("http://10.1.2.3:6969/announce"))
                .isInstanceOf(TrackerRefusedException.class).hasMessageContaining("private");
    }

    @Test
    void announceToLoopbackIsMadeWithTheFlag() throws Exception {
        RecordingTracker listener = tracker();
        AnnounceResult result = Futures.await(client(listener.url(), AnnouncePolicy.allowingPrivate())
                .announce(AnnounceEvent.STARTED, 0, 0, 1));
        assertThat(result.peers()).hasSize(1);
        assertThat(listener.requests()).hasSize(1);
    }

    @Test
    void theNodesOwnTrackerIsAllowedWithoutTheFlag() throws Exception {
        RecordingTracker own = tracker();
        Futures.await(client(own.url(), AnnouncePolicy.publicOnly().trusting(own.url()))
                .announce(AnnounceEvent.STARTED, 0, 0, 1));
        assertThat(own.requests()).hasSize(1);
    }

    @Test
    void redirectToLoopbackIsRefusedEvenFromATrustedTracker() throws Exception {
        RecordingTracker inside = tracker();
        RecordingTracker redirecting = RecordingTracker.start(vertx, r -> request -> request.response()
                .setStatusCode(302).putHeader("Location", inside.url() + "?" + r.rawQuery()).end());
        trackers.add(redirecting);

        Throwable error = failure(client(redirecting.url(), AnnouncePolicy.publicOnly().trusting(redirecting.url())));

        assertThat(((AllTrackersFailedException) error).failures().get(redirecting.url()))
                .isInstanceOf(TrackerRefusedException.class);
        assertThat(redirecting.requests()).hasSize(1);
        assertThat(inside.requests()).as("the redirect was not followed").isEmpty();
    }

    @Test
    void aRefusedTrackerIsSkippedLikeAFailedOne() throws Exception {
        RecordingTracker outside = tracker();
        TrackerClient c = new TrackerClient(vertx, TrackerTiers.of("http://192.168.1.1/announce",
                List.of(List.of("http://192.168.1.1/announce"), List.of(outside.url()))), INFO_HASH, PEER_ID, 6881,
                TrackerClient.Options.defaults().withPolicy(AnnouncePolicy.publicOnly().trusting(outside.url())));
        clients.add(c);
        AnnounceResult result = Futures.await(c.announce(AnnounceEvent.STARTED, 0, 0, 1));
        assertThat(result.trackerUrl()).isEqualTo(outside.url());
    }

    @Test
    void addressesAreJudgedByWhereTheyPoint() throws Exception {
        String[][] cases = {
                {"127.0.0.1", "LOOPBACK"}, {"127.0.0.2", "LOOPBACK"}, {"::1", "LOOPBACK"}, {"::ffff:127.0.0.1", "LOOPBACK"},
                {"::127.0.0.1", "LOOPBACK"}, {"10.0.0.1", "PRIVATE"}, {"172.16.5.4", "PRIVATE"}, {"172.31.255.255", "PRIVATE"},
                {"192.168.0.1", "PRIVATE"}, {"100.64.0.1", "PRIVATE"}, {"fc00::1", "PRIVATE"}, {"fd12:3456::1", "PRIVATE"},
                {"::10.0.0.1", "PRIVATE"}, {"169.254.169.254", "LINK_LOCAL"}, {"fe80::1", "LINK_LOCAL"},
                {"224.0.0.1", "MULTICAST"}, {"ff02::1", "MULTICAST"}, {"255.255.255.255", "MULTICAST"},
                {"0.0.0.0", "UNSPECIFIED"}, {"0.1.2.3", "UNSPECIFIED"}, {"::", "UNSPECIFIED"},
                {"8.8.8.8", "PUBLIC"}, {"172.32.0.1", "PUBLIC"}, {"100.128.0.1", "PUBLIC"}, {"2001:4860::8888", "PUBLIC"}};
        for (String[] c : cases) {
            assertThat(AddressScope.of(InetAddress.getByName(c[0]))).as(c[0]).isEqualTo(AddressScope.valueOf(c[1]));
        }
    }

    @Test
    void onlyPublicAddressesPassTheDefaultPolicy() throws Exception {
        AnnouncePolicy policy = AnnouncePolicy.publicOnly();
        assertThat(policy.refusal("http://t/announce", InetAddress.getByName("8.8.8.8"))).isEmpty();
        assertThat(policy.refusal("http://t/announce", InetAddress.getByName("10.0.0.1"))).isPresent();
        assertThat(AnnouncePolicy.allowingPrivate().refusal("http://t/announce", InetAddress.getByName("10.0.0.1"))).isEmpty();
        assertThatThrownBy(() -> new TrackerClient.Options(Duration.ofSeconds(1), 1, null, null))
                .isInstanceOf(NullPointerException.class);
    }
}
