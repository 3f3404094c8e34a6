package org.enjambre.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.enjambre.testutil.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Tracker nodes of one cluster are one another's DHT bootstrap nodes, with no --dht-bootstrap named. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TrackerDhtBootstrapTest {
    @TempDir
    Path dir;

    @Test
    void aTrackerJoiningTheClusterJoinsTheDhtThroughTheMembersAlreadyThere() throws Exception {
        int[] ports = {FreePorts.next(), FreePorts.next()};
        List<String> members = List.of("127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1]);
        ClusterSecret secret = ClusterSecret.load(null, Map.of(ClusterSecret.ENV, "tracker-dht-bootstrap-test-secret"));
        DhtService.Settings dht = new DhtService.Settings(true, "127.0.0.1", 0, List.of(), null);
        TrackerSettings settings = new TrackerSettings("127.0.0.1", 0, 60, null, TrackerSettings.DEFAULT_MAX_UPLOAD);
        try (TrackerNode a = TrackerNode.start(settings,
                ClusterConfig.member(dir.resolve("absent.xml"), ports[0], members, "127.0.0.1", secret), 1, dht);
             TrackerNode b = TrackerNode.start(settings,
                     ClusterConfig.member(dir.resolve("absent.xml"), ports[1], members, "127.0.0.1", secret), 1, dht)) {
            assertThat(a.dhtPort()).isPositive();
            assertThat(b.dhtPort()).isPositive().isNotEqualTo(a.dhtPort());
            // B read A's DHT address from the cluster and asked it; A took B in when it was asked.
            eventually(() -> b.dht().stats().nodes() >= 1);
            eventually(() -> a.dht().stats().nodes() >= 1);
        }
    }

    @Test
    void noDhtMeansNoDhtNode() throws Exception {
        TrackerSettings settings = new TrackerSettings("127.0.0.1", 0, 60, null, TrackerSettings.DEFAULT_MAX_UPLOAD);
        try (TrackerNode alone = TrackerNode.start(settings, null, 1, DhtService.Settings.disabled())) {
            assertThat(alone.dhtPort()).isEqualTo(-1);
            assertThat(alone.dht()).isNull();
        }
    }

    static void eventually(BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 150 && !condition.getAsBoolean(); i++) {
            Thread.sleep(100);
        }
        assertThat(condition.getAsBoolean()).isTrue();
    }
}
