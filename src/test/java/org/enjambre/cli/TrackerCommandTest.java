package org.enjambre.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.enjambre.node.ClusterConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrackerCommandTest {
    @TempDir
    Path dir;

    @Test
    void allowListKeepsHexHashesInLowerCaseAndSkipsCommentsAndBlankLines() throws Exception {
        Path file = Files.writeString(dir.resolve("allow.txt"),
                "# served torrents\n\n" + "AB".repeat(20) + "\n  " + "0f".repeat(20) + "  \n");
        assertThat(TrackerCommand.readAllowList(file)).containsExactlyInAnyOrder("ab".repeat(20), "0f".repeat(20));
    }

    @Test
    void allowListWithABadLineIsRefusedNamingTheLine() throws Exception {
        Path file = Files.writeString(dir.resolve("allow.txt"), "ab".repeat(20) + "\nnot-a-hash\n");
        assertThatThrownBy(() -> TrackerCommand.readAllowList(file))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("line 2").hasMessageContaining("not a 40-character hex info-hash");
    }

    @Test
    void missingAllowListFailsBeforeStartingAnything() {
        assertThat(Main.run("tracker", "--port", "0", "--allow-list", dir.resolve("absent.txt").toString()))
                .isEqualTo(Main.EXIT_FAILURE);
    }

    @Test
    void badPortsAndIntervalsAreRefused() {
        assertThat(Main.run("tracker", "--port", "70000")).isEqualTo(Main.EXIT_FAILURE);
        assertThat(Main.run("tracker", "--port", "0", "--interval", "0")).isEqualTo(Main.EXIT_FAILURE);
        assertThat(Main.run("tracker", "--port", "0", "--udp-port", "70000")).isEqualTo(Main.EXIT_FAILURE);
        assertThat(Main.run("tracker", "--port", "0", "--udp-port", "-1")).isEqualTo(Main.EXIT_FAILURE);
        assertThat(Main.run("tracker", "--port", "0", "--cluster", "--cluster-port", "0")).isEqualTo(Main.EXIT_FAILURE);
    }

    @Test
    void clusterMembersAreParsedAndCheckedFromTheCommandLineOrTheEnvironmentFormat() {
        assertThat(ClusterConfig.parseMembers(" 10.0.0.1:5701, tracker-b ,,[::1]:5702"))
                .containsExactly("10.0.0.1:5701", "tracker-b", "[::1]:5702");
        assertThat(ClusterConfig.parseMembers(null)).isEmpty();
        assertThatThrownBy(() -> ClusterConfig.parseMembers("10.0.0.1:99999")).hasMessageContaining("port must be 1..65535");
        assertThatThrownBy(() -> ClusterConfig.parseMembers(":5701")).hasMessageContaining("without a host");
    }
}
