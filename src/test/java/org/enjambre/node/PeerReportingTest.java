package org.enjambre.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.enjambre.report.ReportBridge.Refusal;
import org.enjambre.testutil.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tracker node that is a Hazelcast member and peer nodes that are not: a peer with the report
 * token shows on the member's dashboard (also when the first bridge in its list is down); a peer
 * with a wrong token is refused, counted, and never shown.
 */
@Timeout(120)
class PeerReportingTest {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dir;

    final List<EnjambreNode> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        for (EnjambreNode n : nodes.reversed()) {
            try {
                n.close();
            } catch (Exception e) {
                // keep stopping the others
            }
        }
    }

    EnjambreNode node(String name, boolean tracker, ClusterRole role) throws Exception {
        NodeSettings settings = new NodeSettings(name, "127.0.0.1", 0, 0, tracker, 0, 60, dir.resolve(name), 0, 1 << 20);
        EnjambreNode n = EnjambreNode.start(settings, role);
        nodes.add(n);
        return n;
    }

    List<String> namesOnDashboard(EnjambreNode member) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + member.webPort() + "/api/swarm"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return new JsonObject(r.body()).getJsonArray("nodes").stream().map(n -> ((JsonObject) n).getString("name")).toList();
    }

    @Test
    void peersWithTheTokenShowOnTheMembersDashboardOthersAreRefused() throws Exception {
        ClusterSecret secret = new ClusterSecret("a-secret-for-this-test-only".getBytes(StandardCharsets.UTF_8));
        int clusterPort = FreePorts.next();
        Config config = ClusterConfig.member(dir.resolve("absent.xml"), clusterPort, List.of("127.0.0.1:" + clusterPort), null, secret);
        EnjambreNode tracker = node("tracker-1", true, new ClusterRole.Member(config, secret.reportToken(), 0));
        int bridgePort = tracker.reportBridge().actualPort();
        SocketAddress down = SocketAddress.inetSocketAddress(FreePorts.next(), "127.0.0.1");
        SocketAddress bridge = SocketAddress.inetSocketAddress(bridgePort, "127.0.0.1");

        node("honest-peer", false, new ClusterRole.Reporter(List.of(down, bridge), secret.reportToken()));
        node("impostor", false, new ClusterRole.Reporter(List.of(bridge), "not-the-token-of-this-cluster"));

        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<String> names = List.of();
        while (System.nanoTime() < deadline && !(names.contains("honest-peer") && tracker.reportBridge().refused(Refusal.TOKEN) >= 2)) {
            names = namesOnDashboard(tracker);
            Thread.sleep(200);
        }
        assertThat(names).contains("tracker-1", "honest-peer").doesNotContain("impostor");
        assertThat(tracker.reportBridge().refused(Refusal.TOKEN)).as("the impostor retries and is refused each time").isGreaterThanOrEqualTo(2);
        assertThat(tracker.reportBridge().accepted()).isPositive();
        // A peer node is no member: the cluster is the tracker alone.
        HttpResponse<String> cluster = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tracker.webPort() + "/api/swarm"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(new JsonObject(cluster.body()).getJsonArray("trackers").getJsonObject(0).getJsonArray("members")).hasSize(1);
    }
}
