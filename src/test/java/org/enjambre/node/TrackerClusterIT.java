package org.enjambre.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.enjambre.bencode.BBytes;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.Bencode;
import org.enjambre.net.PeerAddress;
import org.enjambre.testutil.FreePorts;
import org.enjambre.tracker.protocol.UdpTrackerResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three tracker nodes as three JVMs in one Hazelcast cluster on loopback: what is announced to one
 * is seen from the others, and survives that node being killed with SIGKILL. Over HTTP and over
 * UDP (BEP 15), where a connection id one node issued is accepted by the others.
 */
class TrackerClusterIT {
    static final int SWARMS = 12;
    static final int PEERS_PER_SWARM = 3;
    static final Duration FAILOVER_LIMIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;
    final List<TrackerProcess> nodes = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (TrackerProcess n : nodes) {
            n.close();
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void peersAnnouncedToAKilledNodeAreStillServedByTheOthers() throws Exception {
        int[] udpPorts = {FreePorts.next(), FreePorts.next(), FreePorts.next()};
        TrackerProcess.startCluster(dir, nodes, 3, i -> List.of("--udp-port", Integer.toString(udpPorts[i])));
        TrackerProcess a = nodes.get(0);
        TrackerProcess b = nodes.get(1);
        TrackerProcess c = nodes.get(2);
        awaitClusterSize(a, 3, Duration.ofSeconds(60));

        // Peers registered through A only, spread over many swarms so that A owns some of them.
        Random random = new Random(42);
        Map<String, Set<Integer>> expected = new HashMap<>();
        for (int s = 0; s < SWARMS; s++) {
            byte[] infoHash = new byte[20];
            random.nextBytes(infoHash);
            String hex = HexFormat.of().formatHex(infoHash);
            for (int p = 0; p < PEERS_PER_SWARM; p++) {
                int port = 20000 + s * 10 + p;
                BDict answer = announce(a, infoHash, "-EJ0001-" + String.format("%012d", port), port, p == 0 ? 0 : 1000);
                assertThat(answer.has("failure reason")).as("announce refused: %s", answer).isFalse();
                expected.computeIfAbsent(hex, k -> new TreeSet<>()).add(port);
            }
        }
        assertThat(portsByHash(b, expected.keySet(), Duration.ofSeconds(10))).isEqualTo(expected);
        assertThat(portsByHash(c, expected.keySet(), Duration.ofSeconds(10))).isEqualTo(expected);
        // A new peer announcing to C is handed the peers announced to A.
        String first = expected.keySet().iterator().next();
        BDict fromC = announce(c, HexFormat.of().parseHex(first), "-EJ0001-newcomer0000", 30000, 1000);
        assertThat(((BBytes) fromC.get("peers")).length()).isEqualTo(6 * PEERS_PER_SWARM);

        // Over UDP: connected through B, announced to A with B's connection id, handed A's peers.
        try (UdpTrackerProbe probe = new UdpTrackerProbe()) {
            long idFromB = probe.connect(udpPorts[1]);
            UdpTrackerResponse answer = probe.announce(udpPorts[0], idFromB, HexFormat.of().parseHex(first),
                    "-EJ0001-udp000030001", 30001, 1000);
            assertThat(answer).as("UDP announce to A with B's connection id").isInstanceOf(UdpTrackerResponse.Announced.class);
            assertThat(ports(((UdpTrackerResponse.Announced) answer).peers()))
                    .containsAll(expected.get(first)).contains(30000).doesNotContain(30001);
        }
        expected.get(first).add(30001);

        long killedAt = System.nanoTime();
        a.process.destroyForcibly();
        assertThat(a.process.waitFor(10, TimeUnit.SECONDS)).isTrue();

        expected.get(first).add(30000);
        long deadline = killedAt + FAILOVER_LIMIT.toNanos();
        boolean complete = false;
        Map<String, Set<Integer>> seenB = Map.of();
        Map<String, Set<Integer>> seenC = Map.of();
        while (!complete && System.nanoTime() < deadline) {
            seenB = portsByHash(b, expected.keySet(), Duration.ofSeconds(2));
            seenC = portsByHash(c, expected.keySet(), Duration.ofSeconds(2));
            complete = seenB.equals(expected) && seenC.equals(expected);
            if (!complete) {
                Thread.sleep(200);
            }
        }
        double failoverSeconds = (System.nanoTime() - killedAt) / 1e9;
        System.out.printf("tracker failover: every peer served by B and C %.2f s after SIGKILL of A%n", failoverSeconds);
        assertThat(seenB).as("peers served by B %.1f s after A was killed", failoverSeconds).isEqualTo(expected);
        assertThat(seenC).as("peers served by C %.1f s after A was killed", failoverSeconds).isEqualTo(expected);
        awaitClusterSize(b, 2, Duration.ofSeconds(15));

        // UDP after the failover: an id from B is taken by C, and C hands out every peer A had.
        try (UdpTrackerProbe probe = new UdpTrackerProbe()) {
            long idFromB = probe.connect(udpPorts[1]);
            UdpTrackerResponse answer = probe.announce(udpPorts[2], idFromB, HexFormat.of().parseHex(first),
                    "-EJ0001-udp000030002", 30002, 1000);
            assertThat(answer).as("UDP announce to C after A died").isInstanceOf(UdpTrackerResponse.Announced.class);
            assertThat(ports(((UdpTrackerResponse.Announced) answer).peers())).isEqualTo(expected.get(first));
        }

        // B and C stop cleanly on SIGTERM.
        assertThat(b.stop(Duration.ofSeconds(30))).as(b.logTail()).isZero();
        assertThat(c.stop(Duration.ofSeconds(30))).as(c.logTail()).isZero();
    }

    static Set<Integer> ports(List<PeerAddress> peers) {
        Set<Integer> out = new TreeSet<>();
        peers.forEach(p -> out.add(p.port()));
        return out;
    }

    static BDict announce(TrackerProcess node, byte[] infoHash, String peerId, int port, long left) throws Exception {
        String q = "/announce?info_hash=" + urlBytes(infoHash) + "&peer_id=" + urlBytes(peerId.getBytes(StandardCharsets.ISO_8859_1))
                + "&port=" + port + "&uploaded=0&downloaded=0&left=" + left + "&event=started&compact=1";
        HttpResponse<byte[]> r = node.get(q, Duration.ofSeconds(10));
        assertThat(r.statusCode()).isEqualTo(200);
        return (BDict) Bencode.parse(r.body());
    }

    static String urlBytes(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) {
            sb.append('%').append(String.format("%02x", b & 0xff));
        }
        return sb.toString();
    }

    /** Ports of the peers each node lists per swarm; a swarm it cannot answer in time is left out. */
    static Map<String, Set<Integer>> portsByHash(TrackerProcess node, Set<String> hashes, Duration timeout) {
        Map<String, Set<Integer>> out = new HashMap<>();
        for (String h : hashes) {
            try {
                HttpResponse<byte[]> r = node.get("/api/torrents/" + URLEncoder.encode(h, StandardCharsets.US_ASCII), timeout);
                if (r.statusCode() != 200) {
                    continue;
                }
                JsonArray peers = new JsonObject(new String(r.body(), StandardCharsets.UTF_8)).getJsonArray("peers");
                Set<Integer> ports = new TreeSet<>();
                for (int i = 0; i < peers.size(); i++) {
                    ports.add(peers.getJsonObject(i).getInteger("port"));
                }
                out.put(h, ports);
            } catch (Exception e) {
                // Not answered yet (the dead member's partitions are being promoted): poll again.
            }
        }
        return out;
    }

    static void awaitClusterSize(TrackerProcess node, int size, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = -1;
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<byte[]> r = node.get("/api/cluster", Duration.ofSeconds(2));
                seen = new JsonObject(new String(r.body(), StandardCharsets.UTF_8)).getInteger("size");
                if (seen == size) {
                    return;
                }
            } catch (Exception e) {
                // retry
            }
            Thread.sleep(200);
        }
        throw new AssertionError("cluster size " + seen + ", wanted " + size + ":\n" + node.logTail());
    }
}
