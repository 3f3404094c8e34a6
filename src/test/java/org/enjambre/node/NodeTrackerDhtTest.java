package org.enjambre.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.enjambre.bencode.BBytes;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.Bencode;
import org.enjambre.dht.KrpcMessage;
import org.enjambre.dht.KrpcMessage.AnnouncePeer;
import org.enjambre.dht.KrpcMessage.GetPeers;
import org.enjambre.dht.NodeId;
import org.enjambre.net.PeerAddress;
import org.enjambre.tracker.client.AnnouncePolicy;
import org.enjambre.web.WebAccess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code node --tracker} with its DHT on: the node's DHT stores into its tracker's registry, and its
 * {@code /metrics} shows that DHT node, refusals included.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NodeTrackerDhtTest {
    @TempDir
    Path dir;

    @Test
    void aNodesTrackerHandsOutPeersAnnouncedToItsDhtAndItsMetricsCountTheDht() throws Exception {
        NodeSettings settings = new NodeSettings("bridge", "127.0.0.1", 0, 0, true, 0, 60, dir.resolve("data"), 0, 1 << 20,
                null, 0, 0, WebAccess.local(), dir.resolve("state"), TrackerSettings.UDP_OFF);
        DhtService.Settings dht = new DhtService.Settings(true, "127.0.0.1", 0, List.of(), null);
        NodeId infoHash = NodeId.random();
        try (EnjambreNode node = EnjambreNode.start(settings, null, AnnouncePolicy.allowingPrivate(), dht);
             KrpcProbe peer = new KrpcProbe("127.0.0.91")) {
            PeerAddress nodeDht = new PeerAddress("127.0.0.1", node.dhtPort());
            KrpcMessage.Response offer = (KrpcMessage.Response) peer.ask(nodeDht, new GetPeers(infoHash), 10);
            assertThat(offer.token()).isNotNull();
            assertThat(peer.ask(nodeDht, new AnnouncePeer(infoHash, 9191, false, offer.token()), 10))
                    .isInstanceOf(KrpcMessage.Response.class);
            KrpcMessage forged = peer.ask(nodeDht, new AnnouncePeer(infoHash, 9192, false, "forged!!".getBytes()), 10);
            assertThat(forged).isInstanceOf(KrpcMessage.Error.class);

            BDict answer = httpAnnounce(node.trackerPort(), infoHash);
            assertThat(PeerAddress.decodeCompact(((BBytes) answer.get("peers")).bytes(), PeerAddress.COMPACT_IPV4))
                    .containsExactly(new PeerAddress("127.0.0.91", 9191));

            // The DHT's counters reach /metrics within a second or two (a snapshot per second).
            String metrics = "";
            for (int i = 0; i < 50 && metric(metrics, "enjambre_dht_refused_total\\{node=\"bridge\",reason=\"bad-token\"}") < 1; i++) {
                Thread.sleep(100);
                metrics = get("http://127.0.0.1:" + node.webPort() + "/metrics");
            }
            assertThat(metric(metrics, "enjambre_dht_queries_received_total\\{node=\"bridge\"}")).isGreaterThanOrEqualTo(3);
            assertThat(metric(metrics, "enjambre_dht_refused_total\\{node=\"bridge\",reason=\"bad-token\"}")).isEqualTo(1);
        }
    }

    static BDict httpAnnounce(int trackerPort, NodeId infoHash) throws Exception {
        String q = "/announce?info_hash=" + TrackerClusterIT.urlBytes(infoHash.bytes()) + "&peer_id=-EJ0001-httppeer0001"
                + "&port=30000&uploaded=0&downloaded=0&left=1000&event=started&compact=1";
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + trackerPort + q)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        return (BDict) Bencode.parse(r.body());
    }

    static String get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    static double metric(String metrics, String nameAndTags) {
        Matcher m = Pattern.compile(nameAndTags + " ([0-9.E]+)").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }
}
