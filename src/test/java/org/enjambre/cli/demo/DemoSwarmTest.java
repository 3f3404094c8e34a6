package org.enjambre.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.metainfo.TorrentBuilder;
import org.enjambre.node.NodeState;
import org.enjambre.storage.ResumeData;
import org.enjambre.storage.TorrentStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoSwarmTest {
    @TempDir
    Path dir;

    private static JsonObject node(String name, boolean tracker, double progress, boolean complete) {
        JsonArray torrents = new JsonArray();
        if (!tracker) {
            torrents.add(new JsonObject().put("progress", progress).put("complete", complete)
                    .put("rates", new JsonObject().put("up", 10).put("down", 20))
                    .put("counts", new JsonObject().put("peers", 3)));
        }
        return new JsonObject().put("name", name).put("tracker", tracker).put("torrents", torrents);
    }

    @Test
    void leechersAreCompleteOnlyWhenEveryOneIsHeardAndComplete() {
        JsonObject swarm = new JsonObject()
                .put("nodes", new JsonArray().add(node("leecher-10", false, 1, true)).add(node("seeder", false, 1, true))
                        .add(node("leecher-2", false, 0.5, false)).add(node("tracker-1", true, 0, false)))
                .put("trackers", new JsonArray()
                        .add(new JsonObject().put("up", true).put("announces", 7).put("members", new JsonArray().add(1).add(2).add(3)))
                        .add(new JsonObject().put("up", false).put("announces", 100)));
        DemoSwarm.Status status = DemoSwarm.summarise(swarm);
        assertThat(status.nodes()).extracting(DemoSwarm.NodeStatus::name)
                .containsExactly("leecher-2", "leecher-10", "seeder", "tracker-1");
        assertThat(status.trackersUp()).isEqualTo(1);
        assertThat(status.clusterMembers()).isEqualTo(3);
        assertThat(status.announces()).as("a tracker that is down does not count").isEqualTo(7);
        assertThat(status.leechersComplete(2)).isFalse();
        assertThat(status.nodes().get(1)).isEqualTo(new DemoSwarm.NodeStatus("leecher-10", false, 1.0, true, 10, 20, 3));

        JsonObject done = swarm.copy();
        done.getJsonArray("nodes").set(2, node("leecher-2", false, 1, true));
        assertThat(DemoSwarm.summarise(done).leechersComplete(2)).isTrue();
        assertThat(DemoSwarm.summarise(done).leechersComplete(3)).as("a leecher not heard from is not complete").isFalse();
    }

    @Test
    void aNodeThatFailsToStartIsExplainedByItsOwnErrorLine() {
        assertThat(DemoSwarm.errorLine("12:00 WARN noise\nenjambre node: Address already in use\n"))
                .isEqualTo("Address already in use");
        assertThat(DemoSwarm.errorLine("a\nb\nc\nd")).isEqualTo("b | c | d");
    }

    @Test
    void generatedContentHasTheExactSizeAndIsNotConstant() throws Exception {
        Path file = dir.resolve("x.bin");
        DemoSwarm.generate(file, (1 << 20) + 13);
        byte[] bytes = Files.readAllBytes(file);
        assertThat(bytes).hasSize((1 << 20) + 13);
        long zeros = 0;
        for (byte b : bytes) {
            zeros += b == 0 ? 1 : 0;
        }
        assertThat(zeros).isLessThan(bytes.length / 100);
    }

    @Test
    void badOptionsAreRefusedWithTheOptionNamed() {
        assertThatThrownBy(() -> new DemoSwarm.Options(0, 1, 8080, 0, dir, false, dir, List.of()))
                .hasMessageContaining("--leechers");
        assertThatThrownBy(() -> new DemoSwarm.Options(3, 0, 8080, 0, dir, false, dir, List.of()))
                .hasMessageContaining("--size");
        assertThatThrownBy(() -> new DemoSwarm.Options(3, 1, 70000, 0, dir, false, dir, List.of()))
                .hasMessageContaining("--web-port");
        assertThatThrownBy(() -> new DemoSwarm.Options(3, 1, 8080, -1, dir, false, dir, List.of()))
                .hasMessageContaining("--rate");
    }

    @Test
    void closeRemovesTheWorkFolderUnlessKept() throws Exception {
        Path work = Files.createDirectories(dir.resolve("w/a/b"));
        Files.writeString(work.resolve("f"), "x");
        new DemoSwarm(new DemoSwarm.Options(1, 1, 0, 0, dir.resolve("w"), false, dir, List.of()), s -> { }).close();
        assertThat(dir.resolve("w")).doesNotExist();
        Path kept = Files.createDirectories(dir.resolve("k"));
        new DemoSwarm(new DemoSwarm.Options(1, 1, 0, 0, kept, true, dir, List.of()), s -> { }).close();
        assertThat(kept).exists();
    }

    @Test
    void theSeederTrustsTheFileTheDemoJustHashedAndRechecksItOnceTouched() throws Exception {
        Path data = Files.createDirectories(dir.resolve("seeder"));
        Path file = data.resolve("enjambre-demo.bin");
        DemoSwarm.generate(file, 300_000);
        Metainfo metainfo = TorrentBuilder.forPath(file).pieceLength(16 * 1024).build();
        DemoSwarm.trustSeederData(metainfo, data);

        Path resume = NodeState.resumeFile(NodeState.defaultFolder(data), metainfo.infoHash());
        try (TorrentStorage storage = TorrentStorage.open(metainfo.info(), data)) {
            ResumeData.Outcome trusted = ResumeData.loadOrRecheck(resume, metainfo.infoHash(), storage, 1, org.enjambre.storage.RecheckProgress.NONE);
            assertThat(trusted.trusted()).as(trusted.reason()).isTrue();
            assertThat(trusted.verified().cardinality()).isEqualTo(metainfo.info().pieceCount());

            // A byte changed after the demo hashed it: the stamps no longer match, and the recheck finds the piece.
            // The byte is flipped, not overwritten with a constant: the random content holds that constant there
            // one time in 256, and then nothing would have changed.
            try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ,
                    java.nio.file.StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
                ch.read(one, 20_000);
                one.put(0, (byte) ~one.get(0)).rewind();
                ch.write(one, 20_000);
            }
            Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 5000));
            ResumeData.Outcome rechecked = ResumeData.loadOrRecheck(resume, metainfo.infoHash(), storage, 1, org.enjambre.storage.RecheckProgress.NONE);
            assertThat(rechecked.trusted()).isFalse();
            assertThat(rechecked.verified().get(1)).isFalse();
            assertThat(rechecked.verified().cardinality()).isEqualTo(metainfo.info().pieceCount() - 1);
        }
    }
}
