package org.enjambre.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The download folder as a boundary; {@link TorrentStorageTest} checks it through the storage's I/O. */
class DownloadFolderTest {
    @TempDir
    Path dir;

    @Test
    void aTorrentsPathIsResolvedStrictlyInsideTheFolder() throws Exception {
        DownloadFolder folder = new DownloadFolder(dir.resolve("down/./sub/.."));

        assertThat(folder.root()).isEqualTo(dir.resolve("down").toAbsolutePath());
        assertThat(folder.resolve(List.of("album", "cd1", "01.flac"), "files[0]"))
                .isEqualTo(folder.root().resolve("album/cd1/01.flac"));
        for (List<String> unsafe : List.of(List.of(".."), List.of("album", "..", "..", "x"), List.of("/etc/passwd"),
                List.of("a/b"), List.<String>of())) {
            assertThatThrownBy(() -> folder.resolve(unsafe, "files[1]")).as("%s", unsafe)
                    .isInstanceOf(UnsafePathException.class).hasMessageContaining("files[1]");
        }
    }

    @Test
    void anythingIsInsideAFolderThatDoesNotExistYet() throws Exception {
        DownloadFolder folder = new DownloadFolder(dir.resolve("not-yet"));

        folder.checkInside(folder.resolve(List.of("album", "x.bin"), "files[0]"));

        assertThat(dir.resolve("not-yet")).doesNotExist();
    }

    @Test
    void aLinkToASiblingFolderWhoseNameStartsLikeTheFolderLeadsOutside() throws Exception {
        Path down = Files.createDirectories(dir.resolve("down"));
        Path sibling = Files.createDirectories(dir.resolve("down-evil"));
        Files.createSymbolicLink(down.resolve("album"), sibling);
        DownloadFolder folder = new DownloadFolder(down);

        assertThatThrownBy(() -> folder.checkInside(folder.resolve(List.of("album", "x.bin"), "files[0]")))
                .isInstanceOf(UnsafePathException.class).hasMessageContaining("outside the download folder");
    }

    @Test
    void onlyTheDeepestExistingComponentDecides() throws Exception {
        Path down = Files.createDirectories(dir.resolve("down"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.createDirectories(down.resolve("real"));
        Files.createSymbolicLink(down.resolve("inside"), down.resolve("real"));
        Files.createSymbolicLink(down.resolve("out"), outside);
        Files.createSymbolicLink(down.resolve("dangling"), dir.resolve("gone"));
        DownloadFolder folder = new DownloadFolder(down);

        folder.checkInside(folder.resolve(List.of("inside", "new", "x.bin"), "files[0]"));
        folder.checkInside(folder.resolve(List.of("fresh", "x.bin"), "files[1]"));
        assertThatThrownBy(() -> folder.checkInside(folder.resolve(List.of("out", "new", "x.bin"), "files[2]")))
                .isInstanceOf(UnsafePathException.class).hasMessageContaining(outside.toRealPath().toString());
        assertThatThrownBy(() -> folder.checkInside(folder.resolve(List.of("dangling"), "files[3]")))
                .isInstanceOf(UnsafePathException.class).hasMessageContaining("leads nowhere");
    }
}
