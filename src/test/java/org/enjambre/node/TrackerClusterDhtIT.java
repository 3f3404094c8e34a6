package org.enjambre.node;

import static org.enjambre.testutil.Futures.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.enjambre.bencode.BBytes;
import org.enjambre.bencode.BDict;
import org.enjambre.dht.DhtNode;
import org.enjambre.dht.KrpcMessage;
import org.enjambre.dht.KrpcMessage.AnnouncePeer;
import org.enjambre.dht.KrpcMessage.GetPeers;
import org.enjambre.dht.NodeId;
import org.enjambre.net.PeerAddress;
import org.enjambre.net.UdpEndpoint;
import org.enjambre.testutil.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code enjambre tracker} JVMs in one Hazelcast cluster on loopback, each a DHT node on the
 * shared registry: a peer announced through the DHT to A is found by {@code get_peers} to B and by
 * an HTTP announce to C, and once A is killed with SIGKILL, B and C still answer it.
 */
class TrackerClusterDhtIT {
    /** Several info-hashes, so that A owns some of the swarms it stored. */
    static final int TORRENTS = 8;
    static final PeerAddress DHT_PEER = new PeerAddress("127.0.0.77", 7777);
    /** Hazelcast notices the dead member and promotes backups (TrackerClusterIT: within 15 s); margin for a loaded machine. */
    static final Duration FAILOVER_LIMIT = Duration.ofSeconds(40);

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
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void aPeerAnnouncedOnOneTrackersDhtIsServedByTheOthersAfterThatTrackerIsKilled() throws Exception {
        int[] dhtPorts = {FreePorts.next(), FreePorts.next(), FreePorts.next()};
        TrackerProcess.startCluster(dir, nodes, 3, i -> List.of("--dht-port", Integer.toString(dhtPorts[i])));
        TrackerClusterIT.awaitClusterSize(nodes.get(0), 3, Duration.ofSeconds(60));
        PeerAddress dhtA = new PeerAddress("127.0.0.1", dhtPorts[0]);
        PeerAddress dhtB = new PeerAddress("127.0.0.1", dhtPorts[1]);
        PeerAddress dhtC = new PeerAddress("127.0.0.1", dhtPorts[2]);
        TrackerProcess a = nodes.get(0);
        TrackerProcess c = nodes.get(2);

        List<NodeId> infoHashes = new ArrayList<>();
        Random random = new Random(13);
        try (KrpcProbe peer = new KrpcProbe(DHT_PEER.host())) {
            for (int i = 0; i < TORRENTS; i++) {
                byte[] h = new byte[20];
                random.nextBytes(h);
                NodeId infoHash = NodeId.of(h);
                infoHashes.add(infoHash);
                KrpcMessage.Response offer = (KrpcMessage.Response) peer.ask(dhtA, new GetPeers(infoHash), 10);
                assertThat(offer).as("A's answer to get_peers:\n%s", a.logTail()).isNotNull();
                assertThat(offer.token()).as("A hands out a token").isNotNull();
                KrpcMessage stored = peer.ask(dhtA, new AnnouncePeer(infoHash, DHT_PEER.port(), false, offer.token()), 10);
                assertThat(stored).as("A stores the announce").isInstanceOf(KrpcMessage.Response.class);
            }
        }

        NodeId first = infoHashes.getFirst();
        try (KrpcProbe asker = new KrpcProbe("127.0.0.78")) {
            for (NodeId h : infoHashes) {
                assertThat(valuesFrom(asker, dhtB, h)).as("B's get_peers").contains(DHT_PEER);
            }
        }
        // A tracker announce to C (HTTP) is handed the peer that announced through A's DHT.
        BDict fromC = TrackerClusterIT.announce(c, first.bytes(), "-EJ0001-httppeer0001", 30000, 1000);
        assertThat(PeerAddress.decodeCompact(((BBytes) fromC.get("peers")).bytes(), PeerAddress.COMPACT_IPV4))
                .contains(DHT_PEER);
        // And a DHT client that joins through B alone finds it by an ordinary lookup.
        Vertx vertx = Vertx.vertx();
        try {
            UdpEndpoint socket = await(UdpEndpoint.bind(vertx, "127.0.0.79", 0));
            DhtNode client = await(DhtNode.open(vertx, DhtNode.Config.defaults(NodeId.random(), List.of())
                    .withQueryTimeout(Duration.ofSeconds(2)), socket));
            await(client.bootstrap(List.of(dhtB)));
            assertThat(await(client.getPeers(first)).peers()).contains(DHT_PEER);
            await(client.close());
            await(socket.close());
        } finally {
            await(vertx.close());
        }

        long killedAt = System.nanoTime();
        a.process.destroyForcibly();
        assertThat(a.process.waitFor(10, TimeUnit.SECONDS)).isTrue();

        long deadline = killedAt + FAILOVER_LIMIT.toNanos();
        List<NodeId> missing = new ArrayList<>(infoHashes);
        try (KrpcProbe asker = new KrpcProbe("127.0.0.80")) {
            while (!missing.isEmpty() && System.nanoTime() < deadline) {
                missing.removeIf(h -> {
                    try {
                        return valuesFrom(asker, dhtB, h).contains(DHT_PEER) && valuesFrom(asker, dhtC, h).contains(DHT_PEER);
                    } catch (Exception e) {
                        return false;
                    }
                });
                if (!missing.isEmpty()) {
                    Thread.sleep(200);
                }
            }
        }
        double seconds = (System.nanoTime() - killedAt) / 1e9;
        System.out.printf("tracker DHT failover: every DHT-announced peer answered by B and C %.2f s after SIGKILL of A%n", seconds);
        assertThat(missing).as("info-hashes B or C did not answer %.1f s after A was killed", seconds).isEmpty();

        assertThat(nodes.get(1).stop(Duration.ofSeconds(30))).as(nodes.get(1).logTail()).isZero();
        assertThat(c.stop(Duration.ofSeconds(30))).as(c.logTail()).isZero();
    }

    /** The {@code values} of one node's get_peers answer (none when it did not answer in time). */
    static List<PeerAddress> valuesFrom(KrpcProbe asker, PeerAddress node, NodeId infoHash) throws Exception {
        KrpcMessage m = asker.ask(node, new GetPeers(infoHash), 5);
        return m instanceof KrpcMessage.Response r ? r.values() : List.of();
    }

}
