package org.enjambre.tracker.client;

import org.enjambre.net.PeerAddress;
import org.enjambre.tracker.protocol.AnnounceEvent;
import org.enjambre.tracker.protocol.TrackerFailureException;

import io.vertx.core.Vertx;
import org.enjambre.testutil.Opentracker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.enjambre.testutil.Futures.await;

/**
 * Interop: our tracker client against Debian's opentracker on loopback, over HTTP and UDP (BEP 15).
 * Two clients of one torrent find each other through it; completed and stopped change what it
 * tells the other; a torrent outside its whitelist comes back as a clear refusal.
 */
class TrackerClientOpentrackerIT {
    static final byte[] INFO_HASH = org.enjambre.tracker.protocol.AnnounceCodecTest.range(0x40, 20);

    private Vertx vertx;
    private Opentracker opentracker;
    private final List<TrackerClient> clients = new ArrayList<>();

    @BeforeEach
    void startOpentracker() throws Exception {
        opentracker = Opentracker.start(INFO_HASH);
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (TrackerClient c : clients) {
            await(c.close());
        }
        if (vertx != null) {
            await(vertx.close());
        }
        if (opentracker != null) {
            opentracker.close();
        }
    }

    private TrackerClient client(byte[] infoHash, String peerIdSuffix, int peerPort) {
        return client(opentracker.httpUrl(), infoHash, peerIdSuffix, peerPort);
    }

    private TrackerClient client(String url, byte[] infoHash, String peerIdSuffix, int peerPort) {
        byte[] peerId = ("-EJ0001-" + peerIdSuffix).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        TrackerClient c = new TrackerClient(vertx, TrackerTiers.of(url, null),
                infoHash, peerId, peerPort, TrackerClient.Options.defaults().withRequestTimeout(java.time.Duration.ofSeconds(2)).withPolicy(AnnouncePolicy.allowingPrivate()));
        clients.add(c);
        return c;
    }

    @Test
    void twoClientsFindEachOtherAndCompletedAndStoppedAreHonoured() throws Exception {
        TrackerClient a = client(INFO_HASH, "aaaaaaaaaaaa", 40001);
        TrackerClient b = client(INFO_HASH, "bbbbbbbbbbbb", 40002);

        await(a.announce(AnnounceEvent.STARTED, 0, 0, 1000));
        AnnounceResult seenByB = await(b.announce(AnnounceEvent.STARTED, 0, 0, 1000));
        assertThat(seenByB.peers()).contains(new PeerAddress("127.0.0.1", 40001));
        assertThat(seenByB.response().incomplete()).hasValue(2);
        assertThat(seenByB.response().interval().toSeconds()).isPositive();

        await(a.announce(AnnounceEvent.COMPLETED, 0, 1000, 0));
        AnnounceResult afterCompleted = await(b.announce(AnnounceEvent.NONE, 0, 0, 1000));
        assertThat(afterCompleted.response().complete()).hasValue(1);
        assertThat(afterCompleted.response().incomplete()).hasValue(1);

        await(a.announce(AnnounceEvent.STOPPED, 0, 1000, 0));
        AnnounceResult afterStopped = await(b.announce(AnnounceEvent.NONE, 0, 0, 1000));
        assertThat(afterStopped.peers()).doesNotContain(new PeerAddress("127.0.0.1", 40001));
        assertThat(afterStopped.response().complete()).hasValue(0);
    }

    @Test
    void twoClientsFindEachOtherOverUdp() throws Exception {
        TrackerClient a = client(opentracker.udpUrl(), INFO_HASH, "uuuuuuuuuuuu", 40011);
        TrackerClient b = client(opentracker.udpUrl(), INFO_HASH, "vvvvvvvvvvvv", 40012);
        await(a.announce(AnnounceEvent.STARTED, 0, 0, 1000));
        AnnounceResult seenByB = await(b.announce(AnnounceEvent.STARTED, 0, 0, 1000));
        assertThat(seenByB.trackerUrl()).isEqualTo(opentracker.udpUrl());
        assertThat(seenByB.peers()).contains(new PeerAddress("127.0.0.1", 40011));
        assertThat(seenByB.response().interval().toSeconds()).isPositive();

        await(a.announce(AnnounceEvent.STOPPED, 0, 1000, 0));
        AnnounceResult afterStopped = await(b.announce(AnnounceEvent.NONE, 0, 0, 1000));
        assertThat(afterStopped.peers()).doesNotContain(new PeerAddress("127.0.0.1", 40011));
    }

    @Test
    void aTorrentOutsideTheWhitelistIsAClearRefusalOverUdpToo() {
        TrackerClient c = client(opentracker.udpUrl(), org.enjambre.tracker.protocol.AnnounceCodecTest.range(0x80, 20),
                "wwwwwwwwwwww", 40013);
        // Over UDP opentracker gives no reason: it answers the announce's header alone.
        assertThatThrownBy(() -> await(c.announce(AnnounceEvent.STARTED, 0, 0, 1000)))
                .cause().isInstanceOf(AllTrackersFailedException.class)
                .satisfies(e -> assertThat(((AllTrackersFailedException) e).failures().values())
                        .singleElement().isInstanceOf(org.enjambre.tracker.protocol.TrackerResponseException.class))
                .hasMessageContaining("refused without a reason");
    }

    @Test
    void aTorrentOutsideTheWhitelistIsAClearRefusal() {
        TrackerClient c = client(org.enjambre.tracker.protocol.AnnounceCodecTest.range(0x80, 20), "cccccccccccc", 40003);
        assertThatThrownBy(() -> await(c.announce(AnnounceEvent.STARTED, 0, 0, 1000)))
                .cause().isInstanceOf(AllTrackersFailedException.class)
                .satisfies(e -> assertThat(((AllTrackersFailedException) e).failures().values())
                        .singleElement().isInstanceOf(TrackerFailureException.class))
                .hasMessageContaining("not authorized");
    }
}
