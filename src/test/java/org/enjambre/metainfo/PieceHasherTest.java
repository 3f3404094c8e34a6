package org.enjambre.metainfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.enjambre.hash.Sha1;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two ways a hashing thread reads content: plain positional reads, and a leased mapping. */
class PieceHasherTest {
    private static final long ALWAYS_MAP = 0;
    private static final long NEVER_MAP = Long.MAX_VALUE;

    @TempDir
    Path dir;

    /** Files of the given sizes with random content; returns their sources and their bytes end to end. */
    private List<PieceHasher.Source> files(ByteArrayOutputStream content, int... sizes) throws Exception {
        List<PieceHasher.Source> sources = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            byte[] bytes = TestContent.random(sizes[i], 100 + i);
            Path file = dir.resolve("part-" + i);
            Files.write(file, bytes);
            content.write(bytes);
            sources.add(new PieceHasher.Source(file, sizes[i]));
        }
        return sources;
    }

    @Test
    void mappedAndReadSegmentsGiveTheJdkDigestOfEveryPiece() throws Exception {
        assertThat(Sha1.create().readsInPlace()).as("libcrypto hashes on the build machine").isTrue();
        ByteArrayOutputStream single = new ByteArrayOutputStream();
        List<PieceHasher.Source> oneFile = files(single, 20 * 1024 * 1024 + 12_345);
        for (int pieceLength : new int[] {256 * 1024, 1024 * 1024}) {
            byte[] expected = TestContent.jdkPieceHashes(single.toByteArray(), pieceLength);
            for (int threads : new int[] {1, 2}) {
                PieceHasher.Hashes mapped = PieceHasher.hash(oneFile, pieceLength, threads, b -> { }, ALWAYS_MAP);
                PieceHasher.Hashes read = PieceHasher.hash(oneFile, pieceLength, threads, b -> { }, NEVER_MAP);

                String what = pieceLength + "-byte pieces, " + threads + " threads";
                assertThat(mapped.pieces()).as(what).isEqualTo(expected);
                assertThat(read.pieces()).as(what).isEqualTo(expected);
                // 20 MiB and a bit in segments of 8 MiB: all three lie inside the one file.
                assertThat(mapped.mappedSegments()).as(what).isEqualTo(3);
                assertThat(read.mappedSegments()).as(what).isZero();
            }
        }
    }

    @Test
    void segmentsAcrossFilesAreReadAndSegmentsInsideOneAreMapped() throws Exception {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        // Segments of 8 MiB: [0, 8) spans the first two files, [8, 16) lies inside the second,
        // [16, 24) spans the second, the tiny third and the fourth, [24, 27) lies inside the fourth.
        List<PieceHasher.Source> sources = files(content, 3 * 1024 * 1024 + 7, 14 * 1024 * 1024, 100, 10 * 1024 * 1024);

        PieceHasher.Hashes hashes = PieceHasher.hash(sources, 1024 * 1024, 2, b -> { }, ALWAYS_MAP);

        assertThat(hashes.pieces()).isEqualTo(TestContent.jdkPieceHashes(content.toByteArray(), 1024 * 1024));
        assertThat(hashes.mappedSegments()).isEqualTo(2);
    }

    @Test
    void aFileOpenForWritingElsewhereIsHashedWithPlainReads() throws Exception {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        List<PieceHasher.Source> sources = files(content, 17 * 1024 * 1024);
        try (FileChannel writer = FileChannel.open(sources.get(0).file(), StandardOpenOption.WRITE)) {
            PieceHasher.Hashes hashes = PieceHasher.hash(sources, 1024 * 1024, 2, b -> { }, ALWAYS_MAP);

            assertThat(hashes.mappedSegments()).isZero();
            assertThat(hashes.pieces()).isEqualTo(TestContent.jdkPieceHashes(content.toByteArray(), 1024 * 1024));
        }
    }

    /**
     * Another process truncating the file while it is hashed through mappings: the lease makes its
     * truncation fail while a window is read; between windows it may succeed, and then the rest is
     * read plainly and the short file is named. Either way the JVM lives (a truncated page touched
     * by libcrypto would have ended it with SIGBUS) and the result is right or a clear error.
     */
    @Test
    void truncationByAnotherProcessDuringAMappedHashIsRefusedOrAClearError() throws Exception {
        for (int round = 0; round < 3; round++) {
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            List<PieceHasher.Source> sources = files(content, 96 * 1024 * 1024);
            Path file = sources.get(0).file();
            AtomicBoolean hashing = new AtomicBoolean(true);
            AtomicInteger refusedTruncations = new AtomicInteger();
            AtomicBoolean truncated = new AtomicBoolean();
            Thread truncator = new Thread(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                // Bounded: until the hashing ends, a truncation gets through, or 20 s.
                while (hashing.get() && !truncated.get() && System.nanoTime() < deadline) {
                    try {
                        Process p = new ProcessBuilder("truncate", "-s", "1M", file.toString()).redirectErrorStream(true).start();
                        if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                            truncated.set(true);
                        } else {
                            refusedTruncations.incrementAndGet();
                        }
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            truncator.start();
            try {
                PieceHasher.Hashes hashes = PieceHasher.hash(sources, 1024 * 1024, 2, b -> { }, ALWAYS_MAP);
                hashing.set(false);
                truncator.join(30_000);
                // Every digest is of the whole file: no truncation got in while a segment was read. One
                // may have got through after the last segment (the lease goes with it), which is fine.
                assertThat(hashes.pieces()).isEqualTo(TestContent.jdkPieceHashes(content.toByteArray(), 1024 * 1024));
            } catch (MetainfoException e) {
                hashing.set(false);
                truncator.join(30_000);
                assertThat(truncated.get()).isTrue();
                assertThat(e.getMessage()).contains(file.toString()).containsAnyOf("shrank while hashing", "changed size while hashing");
            } finally {
                hashing.set(false);
                truncator.join(30_000);
            }
            Files.delete(file);
        }
    }

    @Test
    void segmentsCutTheContentIntoWholePiecesEndToEnd() {
        int mib = 1024 * 1024;
        for (long total : new long[] {1, 16 * 1024, 8L * mib, 8L * mib + 1, 27L * mib + 100, 5L << 30}) {
            for (int pieceLength : new int[] {16 * 1024, mib, 3 * mib, 16 * mib}) {
                PieceHasher.Segments segments = PieceHasher.Segments.of(total, pieceLength);
                String what = total + " bytes in pieces of " + pieceLength;
                long position = 0;
                int piece = 0;
                for (int s = 0; s < segments.count(); s++) {
                    assertThat(segments.start(s)).as(what).isEqualTo(position);
                    assertThat(segments.firstPiece(s)).as(what).isEqualTo(piece);
                    assertThat(segments.start(s)).as(what).isEqualTo((long) piece * pieceLength);
                    assertThat(segments.endPiece(s)).as(what).isGreaterThan(piece);
                    long bytes = segments.end(s) - segments.start(s);
                    // About SEGMENT_BYTES of whole pieces; a larger piece alone; only the last one short.
                    assertThat(bytes).as(what).isLessThanOrEqualTo(Math.max(PieceHasher.SEGMENT_BYTES, pieceLength));
                    if (s < segments.count() - 1) {
                        assertThat(bytes).as(what)
                                .isEqualTo((long) (segments.endPiece(s) - segments.firstPiece(s)) * pieceLength)
                                .isGreaterThan(PieceHasher.SEGMENT_BYTES - pieceLength);
                    }
                    position = segments.end(s);
                    piece = segments.endPiece(s);
                }
                assertThat(position).as(what).isEqualTo(total);
                assertThat(piece).as(what).isEqualTo(segments.pieceCount())
                        .isEqualTo((int) ((total - 1) / pieceLength + 1));
            }
        }
    }

    @Test
    void piecesLargerThanOneReadAreNeverMapped() throws Exception {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        List<PieceHasher.Source> sources = files(content, 9 * 1024 * 1024 + 3);

        PieceHasher.Hashes hashes = PieceHasher.hash(sources, 4 * 1024 * 1024, 2, b -> { }, ALWAYS_MAP);

        assertThat(hashes.mappedSegments()).isZero();
        assertThat(hashes.pieces()).isEqualTo(TestContent.jdkPieceHashes(content.toByteArray(), 4 * 1024 * 1024));
    }

    @Test
    void aFileShorterThanListedIsAClearErrorOnTheMappedPath() throws Exception {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        List<PieceHasher.Source> sources = files(content, 12 * 1024 * 1024);
        // Listed at 12 MiB, but only 10 MiB are there when hashing starts.
        try (FileChannel writer = FileChannel.open(sources.get(0).file(), StandardOpenOption.WRITE)) {
            writer.truncate(10 * 1024 * 1024);
        }

        assertThatThrownBy(() -> PieceHasher.hash(sources, 1024 * 1024, 2, b -> { }, ALWAYS_MAP))
                .isInstanceOf(MetainfoException.class)
                .hasMessageContaining(sources.get(0).file().toString())
                .hasMessageContaining("shrank while hashing");
    }
}
