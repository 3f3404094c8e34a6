package org.enjambre.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.enjambre.storage.UnsafePathException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeStateTest {
    static final String HASH = "ab".repeat(20);

    @TempDir
    Path dir;

    @Test
    void theStateLiesBesideTheDataFolderNeverInIt() {
        Path data = dir.resolve("data");
        assertThat(NodeState.defaultFolder(data)).isEqualTo(dir.resolve("data.enjambre-state"));
        assertThat(NodeState.defaultFolder(data).startsWith(data)).isFalse();
        assertThatThrownBy(() -> NodeState.defaultFolder(Path.of("/"))).hasMessageContaining("--state");
    }

    @Test
    void anEarlierDataSlashEnjambreIsMovedAndTheCommandsResumeFilesStay() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path old = Files.createDirectories(data.resolve(".enjambre/torrents"));
        Files.writeString(old.resolve(HASH + ".torrent"), "torrent");
        Files.writeString(data.resolve(".enjambre/" + HASH + ".resume"), "resume");
        Files.writeString(data.resolve(".enjambre/" + "cd".repeat(20) + ".resume"), "a download's");
        Files.createDirectories(data.resolve(".enjambre/uploads"));
        Files.writeString(data.resolve(".enjambre/uploads/left-by-a-crash"), "x");
        Path state = NodeState.defaultFolder(data);

        NodeState.prepare(state, data);

        assertThat(state.resolve("torrents/" + HASH + ".torrent")).hasContent("torrent");
        assertThat(state.resolve("resume/" + HASH + ".resume")).hasContent("resume");
        assertThat(data.resolve(".enjambre/torrents")).doesNotExist();
        assertThat(data.resolve(".enjambre/uploads")).doesNotExist();
        assertThat(data.resolve(".enjambre/" + "cd".repeat(20) + ".resume")).hasContent("a download's");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state))).isEqualTo("rwx------");
    }

    @Test
    void aDataFolderInsideTheStateIsRefused() {
        assertThatThrownBy(() -> NodeState.prepare(dir, dir.resolve("data"))).hasMessageContaining("inside --state");
    }

    @Test
    void aTorrentWhoseContentWouldHoldOrEnterTheStateIsRefused() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path state = Files.createDirectories(data.resolve("nested/state"));
        assertThatThrownBy(() -> NodeState.checkOutside(data.resolve("nested"), state)).isInstanceOf(UnsafePathException.class)
                .hasMessageContaining("state folder");
        assertThatThrownBy(() -> NodeState.checkOutside(state.resolve("x"), state)).isInstanceOf(UnsafePathException.class);
        // Through a symbolic link too.
        Files.createSymbolicLink(data.resolve("link"), data.resolve("nested"));
        assertThatThrownBy(() -> NodeState.checkOutside(data.resolve("link"), state)).isInstanceOf(UnsafePathException.class);
        NodeState.checkOutside(data.resolve("other"), state);
        NodeState.checkOutside(data.resolve("nestedX"), state);
    }
}
