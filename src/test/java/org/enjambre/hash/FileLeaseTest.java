package org.enjambre.hash;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Read leases and populated mappings on this Linux machine, against a real second process. */
class FileLeaseTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void leasesLinkOnTheBuildMachine() {
        assertThat(FileLease.link()).as("libc's syscall links on Linux: %s", FileLease.unavailableReason()).isTrue();
    }

    /** GNU truncate opens the file non-blocking: under a read lease it fails at once instead of waiting. */
    private static Result truncate(Path file, long size) throws Exception {
        Process p = new ProcessBuilder("truncate", "-s", Long.toString(size), file.toString()).redirectErrorStream(true).start();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("truncate did not finish in 20 s");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private record Result(int exit, String output) {
    }

    @Test
    void anotherProcessCannotTruncateALeasedFileUntilTheLeaseIsGivenBack() throws Exception {
        Path file = dir.resolve("leased.bin");
        Files.write(file, new byte[100_000]);
        Optional<FileLease> lease = FileLease.acquire(file);
        assertThat(lease).isPresent();
        try (FileLease held = lease.get()) {
            assertThat(held.intact()).isTrue();

            Result refused = truncate(file, 0);

            assertThat(refused.exit()).as(refused.output()).isNotZero();
            assertThat(refused.output()).contains("Resource temporarily unavailable");
            assertThat(Files.size(file)).isEqualTo(100_000);
            // The writer's attempt began breaking the lease: a reader must stop using its mapping.
            assertThat(held.intact()).isFalse();
        }
        Result allowed = truncate(file, 0);
        assertThat(allowed.exit()).as(allowed.output()).isZero();
        assertThat(Files.size(file)).isZero();
    }

    @Test
    void aFileOpenForWritingIsNotLeased() throws Exception {
        Path file = dir.resolve("being-written.bin");
        Files.write(file, new byte[4096]);
        try (FileChannel writer = FileChannel.open(file, StandardOpenOption.WRITE)) {
            assertThat(FileLease.acquire(file)).isEmpty();
        }
        Optional<FileLease> afterwards = FileLease.acquire(file);
        assertThat(afterwards).isPresent();
        afterwards.get().close();
    }

    @Test
    void aMissingFileIsNotLeased() {
        assertThat(FileLease.acquire(dir.resolve("nothing-here"))).isEmpty();
    }

    @Test
    void aForgottenRangeOfAMappingReadsTheSameBytesAgain() throws IOException {
        Path file = dir.resolve("forgotten.bin");
        byte[] bytes = new byte[64 * 1024];
        new java.util.Random(7).nextBytes(bytes);
        Files.write(file, bytes);
        try (Arena arena = Arena.ofConfined(); FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, bytes.length, arena);
            assertThat(FileLease.populate(mapped)).isTrue();

            FileLease.forget(mapped.asSlice(100, 40_000));

            assertThat(mapped.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).isEqualTo(bytes);
        }
    }

    @Test
    void populatingAMappingWhoseFileWasTruncatedFailsInsteadOfRaisingSigbus() throws IOException {
        Path file = dir.resolve("mapped.bin");
        Files.write(file, new byte[256 * 1024]);
        try (Arena arena = Arena.ofConfined(); FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, 256 * 1024, arena);
            assertThat(FileLease.populate(mapped)).isTrue();
            assertThat(FileLease.populate(mapped.asSlice(4097, 10_000))).as("a range that starts inside a page").isTrue();

            try (FileChannel writer = FileChannel.open(file, StandardOpenOption.WRITE)) {
                writer.truncate(4096);
            }

            // Touching the second page now would raise SIGBUS; populate reports it instead.
            assertThat(FileLease.populate(mapped)).isFalse();
            assertThat(FileLease.populate(mapped.asSlice(0, 4096))).isTrue();
        }
    }
}
