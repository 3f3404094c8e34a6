package org.enjambre.metainfo;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When a file's shared mapping may go: never while a hashing thread reads it. */
class FileMappingsTest {
    @TempDir
    Path dir;

    private PieceHasher.Source file(String name, int size) throws Exception {
        Path file = dir.resolve(name);
        Files.write(file, TestContent.random(size, 5));
        return new PieceHasher.Source(file, size);
    }

    @Test
    void aFileStillBeingReadStaysMappedAfterCloseUntilItsReaderIsDone() throws Exception {
        PieceHasher.Source source = file("read.bin", 64 * 1024);
        FileMappings mappings = new FileMappings(List.of(source), new int[] {2});
        FileMappings.Mapped reading = mappings.open(0).orElseThrow();

        mappings.close(); // as after an interrupted wait for a hashing thread that is still running

        assertThat(reading.arena().scope().isAlive()).isTrue();
        assertThat(reading.file().get(ValueLayout.JAVA_BYTE, 64 * 1024 - 1)).isEqualTo(Files.readAllBytes(source.file())[64 * 1024 - 1]);
        assertThat(mappings.open(0)).as("no new reader after close").isEmpty();

        mappings.done(0, true);

        assertThat(reading.arena().scope().isAlive()).isFalse();
    }

    @Test
    void aFileIsUnmappedWhenItsLastSegmentIsHashedAndNotBefore() throws Exception {
        FileMappings mappings = new FileMappings(List.of(file("two-segments.bin", 32 * 1024)), new int[] {2});
        Optional<FileMappings.Mapped> first = mappings.open(0);
        Optional<FileMappings.Mapped> second = mappings.open(0);
        assertThat(first).isPresent();
        assertThat(second.orElseThrow()).isSameAs(first.get()); // one mapping, shared

        mappings.done(0, true);
        assertThat(first.get().arena().scope().isAlive()).isTrue();
        mappings.done(0, true);
        assertThat(first.get().arena().scope().isAlive()).isFalse();
        mappings.close();
    }
}
