package org.enjambre.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar refuses to be a cluster member without the cluster secret, and a reporting peer
 * without the report token: one clear line, exit 1, nothing started.
 */
@Timeout(120)
class ClusterSecretIT {
    static final Map<String, String> NO_SECRETS = Map.of("ENJAMBRE_CLUSTER_SECRET", "", "ENJAMBRE_REPORT_TOKEN", "",
            "ENJAMBRE_CLUSTER_MEMBERS", "");
    static final String MISSING = "--cluster needs a cluster secret: set ENJAMBRE_CLUSTER_SECRET or give "
            + "--cluster-secret-file FILE (at least 16 characters, the same on every member)";

    @TempDir
    Path dir;

    private void refused(String expectedLine, Map<String, String> env, String... args) throws Exception {
        try (Proc p = Proc.enjambre(args[0], dir, env, args)) {
            assertThat(p.awaitExit(60)).isEqualTo(Main.EXIT_FAILURE);
            Thread.sleep(200);
            assertThat(p.err).containsExactly(expectedLine);
            assertThat(String.join("\n", p.out)).doesNotContain("dashboard on", "tracker listening");
        }
    }

    @Test
    void clusterWithoutASecretExitsWithOneClearLine() throws Exception {
        refused("enjambre node: " + MISSING, NO_SECRETS, "node", "--data", dir.toString(), "--web-port", "0",
                "--tracker", "--tracker-port", "0", "--cluster");
        refused("enjambre tracker: " + MISSING, NO_SECRETS, "tracker", "--port", "0", "--cluster");
    }

    @Test
    void aShortSecretOrAReporterWithoutTokenIsRefused() throws Exception {
        refused("enjambre node: ENJAMBRE_CLUSTER_SECRET: the cluster secret must be at least 16 characters",
                Map.of("ENJAMBRE_CLUSTER_SECRET", "short", "ENJAMBRE_REPORT_TOKEN", ""),
                "node", "--data", dir.toString(), "--web-port", "0", "--cluster");
        refused("enjambre node: --report-to needs the report token: set ENJAMBRE_REPORT_TOKEN or give --report-token-file FILE",
                NO_SECRETS, "node", "--data", dir.toString(), "--web-port", "0", "--report-to", "127.0.0.1:6970");
        refused("enjambre node: --cluster makes this node a member, which needs no --report-to: give one or the other "
                        + "(peer nodes report, tracker and dashboard nodes are members)",
                NO_SECRETS, "node", "--data", dir.toString(), "--web-port", "0", "--cluster", "--report-to", "127.0.0.1:6970");
    }
}
