package org.enjambre.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node options the deployment adds ({@code --torrent}, {@code --cluster-host}): bad values fail before a node starts. */
class NodeOptionsTest {
    @TempDir
    Path dir;

    private String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void aMissingTorrentFileIsOneClearLine() {
        String[] r = run("node", "--data", dir.toString(), "--web-port", "0", "--torrent", dir.resolve("nope.torrent").toString());
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2].strip()).isEqualTo("enjambre node: no such file: " + dir.resolve("nope.torrent"));
        assertThat(r[1]).doesNotContain("dashboard on");
    }

    @Test
    void aClusterHostThatIsNotAnAddressIsRefused() {
        String[] r = run("node", "--data", dir.toString(), "--web-port", "0", "--cluster", "--cluster-host", "tracker-1");
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("--cluster-host must be an IP address of this machine, got 'tracker-1'");
    }

    @Test
    void aNegativeNodeRateIsRefused() {
        String[] r = run("node", "--data", dir.toString(), "--web-port", "0", "--node-upload-rate", "-1");
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("--node-upload-rate and --node-download-rate must be >= 0");
    }

    @Test
    void earlyAnnounceRetriesOutsideTheirBoundAreRefused() {
        String[] r = run("node", "--data", dir.toString(), "--web-port", "0", "--early-announce-retries", "100000");
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("--early-announce-retries must be 0..240");
        assertThat(r[1]).doesNotContain("dashboard on");
    }

    @Test
    void reportToTakesHostPortListsAndRefusesAnEntryWithoutPort() {
        assertThat(NodeCommand.parseBridges("tracker-1:6970, 10.0.0.2:7000,[::1]:6970"))
                .extracting(a -> a.host() + " " + a.port())
                .containsExactly("tracker-1 6970", "10.0.0.2 7000", "::1 6970");
        assertThatThrownBy(() -> NodeCommand.parseBridges("tracker-1")).hasMessage("--report-to 'tracker-1': give HOST:PORT");
        assertThatThrownBy(() -> NodeCommand.parseBridges("tracker-1:0")).hasMessageContaining("port must be 1..65535");
        assertThatThrownBy(() -> NodeCommand.parseBridges(" , ")).hasMessage("--report-to needs at least one HOST:PORT");
    }
}
