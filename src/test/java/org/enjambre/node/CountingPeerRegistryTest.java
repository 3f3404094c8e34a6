package org.enjambre.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.enjambre.tracker.hazelcast.LocalPeerRegistry;
import org.enjambre.tracker.hazelcast.TrackerLimits;
import org.enjambre.tracker.protocol.AnnounceEvent;
import org.enjambre.tracker.protocol.AnnounceRequest;
import org.enjambre.tracker.protocol.ReceivedAnnounce;
import org.enjambre.tracker.protocol.TransferStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The node's announce counters and per-limit refusal counts (its /metrics) over a lone tracker's registry. */
class CountingPeerRegistryTest {
    final Vertx vertx = Vertx.vertx();

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aLoneTrackersRefusalsAreCountedUnderTheirLimit() throws Exception {
        CountingPeerRegistry registry = new CountingPeerRegistry(new LocalPeerRegistry(vertx, Duration.ofMinutes(1),
                System::currentTimeMillis, new TrackerLimits(1000, 100, 1, 1.0)));
        byte[] infoHash = new byte[20];
        registry.announce(announce(infoHash, "a")).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> registry.announce(announce(infoHash, "b"), Runnable::run).toCompletableFuture()
                .get(10, TimeUnit.SECONDS)).hasMessageContaining("too many peers from your address");
        assertThat(registry.announces()).isEqualTo(1);
        assertThat(registry.refused()).isEqualTo(1);
        assertThat(registry.refusedAt(TrackerLimits.Limit.PEERS_PER_ADDRESS)).isEqualTo(1);
        assertThat(registry.refusedAt(TrackerLimits.Limit.SWARMS)).isZero();
    }

    static ReceivedAnnounce announce(byte[] infoHash, String id) {
        byte[] peerId = String.format("-EJ0001-%12s", id).getBytes(StandardCharsets.ISO_8859_1);
        return new ReceivedAnnounce(new AnnounceRequest(infoHash, peerId, 6881, new TransferStats(0, 0, 1),
                AnnounceEvent.STARTED, 50, null, null), new byte[] {10, 0, 0, 1}, true, false);
    }
}
