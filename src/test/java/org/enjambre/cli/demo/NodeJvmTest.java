package org.enjambre.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each demo node gets the options every node shares and its own role's AOT cache, or writes it when training. */
class NodeJvmTest {
    private static final List<String> COMMON = List.of("-Xmx256m", "-XX:+UseSerialGC");

    @TempDir
    Path dir;

    @Test
    void trackersAndPeersEachGetTheirRolesCache() throws Exception {
        Path tracker = Files.createFile(dir.resolve("enjambre-demo-tracker.aot"));
        Path peer = Files.createFile(dir.resolve("enjambre-demo-peer.aot"));
        NodeJvm jvm = NodeJvm.withCaches(COMMON, tracker, peer);

        assertThat(jvm.forNode("tracker-2", "tracker")).startsWith("-Xmx256m", "-XX:+UseSerialGC")
                .contains("-XX:AOTCache=" + tracker).doesNotContain("-XX:AOTCache=" + peer).contains("-Xlog:aot*=off");
        assertThat(jvm.forNode("seeder", "seeder")).contains("-XX:AOTCache=" + peer).doesNotContain("-XX:AOTCache=" + tracker);
        assertThat(jvm.forNode("leecher-3", "leecher")).contains("-XX:AOTCache=" + peer);
        assertThat(jvm.stopTimeout()).isEqualTo(DemoSwarm.NODE_STOP_TIMEOUT);
    }

    @Test
    void peersStartAtALowerPriorityThanTheTrackersExceptWhenTraining() {
        NodeJvm jvm = NodeJvm.of(COMMON);

        assertThat(jvm.launcher("tracker")).isEmpty();
        if (Files.isExecutable(Path.of("/usr/bin/nice"))) {
            assertThat(jvm.launcher("leecher")).containsExactly("/usr/bin/nice", "-n", "5");
            assertThat(jvm.launcher("seeder")).containsExactly("/usr/bin/nice", "-n", "5");
        }
        assertThat(NodeJvm.training(COMMON, dir.resolve("x")).launcher("leecher")).isEmpty();
    }

    @Test
    void aCacheThatIsNotThereIsNotGiven() {
        NodeJvm jvm = NodeJvm.withCaches(COMMON, dir.resolve("missing-tracker.aot"), null);

        assertThat(jvm.forNode("tracker-1", "tracker")).isEqualTo(COMMON);
        assertThat(jvm.forNode("leecher-1", "leecher")).isEqualTo(COMMON);
    }

    @Test
    void aTrainingRunHasTracker1AndLeecher1WriteTheRoleCachesAndWaitsForThemToStop() {
        Path prefix = dir.resolve("enjambre-demo.aot.123.tmp");
        NodeJvm jvm = NodeJvm.training(COMMON, prefix);

        assertThat(jvm.forNode("tracker-1", "tracker")).endsWith("-XX:AOTCacheOutput=" + prefix + "-tracker.aot");
        assertThat(jvm.forNode("leecher-1", "leecher")).endsWith("-XX:AOTCacheOutput=" + prefix + "-peer.aot");
        assertThat(jvm.forNode("tracker-2", "tracker")).isEqualTo(COMMON);
        assertThat(jvm.forNode("seeder", "seeder")).isEqualTo(COMMON);
        assertThat(jvm.forNode("leecher-2", "leecher")).isEqualTo(COMMON);
        assertThat(jvm.stopTimeout()).isGreaterThan(Duration.ofMinutes(1));
    }
}
