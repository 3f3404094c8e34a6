package org.enjambre.node;

import com.hazelcast.config.Config;
import io.vertx.core.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.metainfo.TorrentBuilder;
import org.enjambre.testutil.FreePorts;
import org.enjambre.tracker.client.AnnouncePolicy;

/**
 * A running swarm for tests: one tracker node, one seeding node and two leeching nodes, each an
 * {@link EnjambreNode}, laid out as a deployment: the tracker node is a Hazelcast member (a secret
 * of its own, random ports, loopback), the peer nodes are no members and report their state to its
 * report bridge. The seeder is rate-limited so that the
 * leechers' progress can be watched changing. {@link #close()} stops every node.
 */
public final class TestSwarm implements AutoCloseable {
    public static final String XSS_NAME = "<img src=x onerror=alert(1)>";

    final List<EnjambreNode> nodes = new ArrayList<>();
    public EnjambreNode tracker;
    public EnjambreNode seed;
    public EnjambreNode leech1;
    public EnjambreNode leech2;
    public Metainfo torrent;
    public byte[] content;

    /**
     * @param size       bytes of the shared file
     * @param uploadRate the seeder's upload limit, bytes per second per torrent
     */
    public static TestSwarm start(Path dir, int size, int pieceLength, long uploadRate) throws Exception {
        TestSwarm s = startSeeded(dir, size, pieceLength, uploadRate);
        s.startLeeching();
        return s;
    }

    /** The four nodes with the seeder seeding; the leechers host nothing until {@link #startLeeching()}. */
    public static TestSwarm startSeeded(Path dir, int size, int pieceLength, long uploadRate) throws Exception {
        TestSwarm s = new TestSwarm();
        try {
            s.startNodes(dir, size, pieceLength, uploadRate);
            return s;
        } catch (Exception e) {
            s.close();
            throw e;
        }
    }

    private void startNodes(Path dir, int size, int pieceLength, long uploadRate) throws Exception {
        // The deployment's layout: the tracker node is the one cluster member; the peer nodes are
        // no members and report their state to its report bridge.
        ClusterSecret secret = new ClusterSecret(("enjambre-test-" + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8));
        int clusterPort = FreePorts.next();
        Config config = ClusterConfig.member(dir.resolve("absent.xml"), clusterPort, List.of("127.0.0.1:" + clusterPort),
                null, secret);
        tracker = node(dir, "tracker-1", true, 0, new ClusterRole.Member(config, secret.reportToken(), 0));
        ClusterRole reporter = new ClusterRole.Reporter(
                List.of(SocketAddress.inetSocketAddress(tracker.reportBridge().actualPort(), "127.0.0.1")), secret.reportToken());
        seed = node(dir, "seed-1", false, uploadRate, reporter);
        leech1 = node(dir, "leech-1", false, 0, reporter);
        leech2 = node(dir, "leech-2", false, 0, reporter);

        content = new byte[size];
        new Random(42).nextBytes(content);
        Path seedData = dir.resolve("seed-1");
        Files.write(seedData.resolve("swarm.bin"), content);
        torrent = TorrentBuilder.forPath(seedData.resolve("swarm.bin")).pieceLength(pieceLength)
                .trackers(List.of(tracker.announceUrl())).build();
        EnjambreNode.await(seed.library().add(torrent.encode()));
        // A second torrent whose name is hostile HTML: the page must show it as text.
        Files.writeString(seedData.resolve(XSS_NAME), "harmless content\n");
        Metainfo xss = TorrentBuilder.forPath(seedData.resolve(XSS_NAME)).trackers(List.of(tracker.announceUrl())).build();
        EnjambreNode.await(seed.library().add(xss.encode()));
    }

    /** Both leechers start downloading the shared torrent. */
    public void startLeeching() throws Exception {
        EnjambreNode.await(leech1.library().add(torrent.encode()));
        EnjambreNode.await(leech2.library().add(torrent.encode()));
    }

    private EnjambreNode node(Path dir, String name, boolean withTracker, long uploadRate, ClusterRole role) throws Exception {
        Path data = dir.resolve(name);
        Files.createDirectories(data);
        NodeSettings settings = new NodeSettings(name, "127.0.0.1", 0, 0, withTracker, 0, 2, data, uploadRate,
                8L * 1024 * 1024);
        EnjambreNode node = EnjambreNode.start(settings, role, AnnouncePolicy.allowingPrivate());
        nodes.add(node);
        return node;
    }

    public String webUrl(EnjambreNode node) {
        return "http://127.0.0.1:" + node.webPort();
    }

    @Override
    public void close() {
        List<EnjambreNode> all = new ArrayList<>(nodes);
        java.util.Collections.reverse(all);
        for (EnjambreNode n : all) {
            try {
                n.close();
            } catch (Exception e) {
                // Keep stopping the others.
            }
        }
        nodes.clear();
    }
}
