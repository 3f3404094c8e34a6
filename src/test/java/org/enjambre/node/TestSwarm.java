package org.enjambre.node;

import com.hazelcast.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.metainfo.TorrentBuilder;
import org.enjambre.testutil.FreePorts;

/**
 * A running swarm for tests: one tracker node, one seeding node and two leeching nodes, each an
 * {@link EnjambreNode} with its own clustered Vert.x and Hazelcast member, in one cluster on
 * loopback (a cluster name of its own, random ports). The seeder is rate-limited so that the
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
        String cluster = "enjambre-test-" + UUID.randomUUID();
        int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        List<String> members = new ArrayList<>();
        for (int p : ports) {
            members.add("127.0.0.1:" + p);
        }
        tracker = node(dir, "tracker-1", true, 0, ports[0], members, cluster);
        seed = node(dir, "seed-1", false, uploadRate, ports[1], members, cluster);
        leech1 = node(dir, "leech-1", false, 0, ports[2], members, cluster);
        leech2 = node(dir, "leech-2", false, 0, ports[3], members, cluster);

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

    private EnjambreNode node(Path dir, String name, boolean withTracker, long uploadRate, int clusterPort,
                              List<String> members, String cluster) throws Exception {
        Path data = dir.resolve(name);
        Files.createDirectories(data);
        Config config = ClusterConfig.member(dir.resolve("absent.xml"), clusterPort, members);
        config.setClusterName(cluster);
        NodeSettings settings = new NodeSettings(name, "127.0.0.1", 0, 0, withTracker, 0, 2, data, uploadRate,
                8L * 1024 * 1024);
        EnjambreNode node = EnjambreNode.start(settings, config);
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
