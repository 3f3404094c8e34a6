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
import org.enjambre.hash.Sha1Pieces;
import org.enjambre.testutil.SystemProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hashing threads reading segments of whole pieces from one file or several. */
class PieceHasherTest {
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
    void everyPieceGetsTheJdkDigestWhateverThePieceSizeAndThreads() throws Exception {
        ByteArrayOutputStream single = new ByteArrayOutputStream();
        List<PieceHasher.Source> oneFile = files(single, 20 * 1024 * 1024 + 12_345);
        // Pieces up to 4 MiB are read whole, many or (natively) at least four at a time, and hashed
        // in one call; 8 MiB ones stream through 1 MiB reads.
        for (int pieceLength : new int[] {16 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024, 8 * 1024 * 1024}) {
            byte[] expected = TestContent.jdkPieceHashes(single.toByteArray(), pieceLength);
            for (int threads : new int[] {1, 2, 3}) {
                assertThat(PieceHasher.hash(oneFile, pieceLength, threads, b -> { }))
                        .as(pieceLength + "-byte pieces, " + threads + " threads").isEqualTo(expected);
            }
        }
    }

    @Test
    void piecesSpanningFilesGetTheDigestOfTheContentEndToEnd() throws Exception {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        // Segments of 8 MiB: [0, 8) spans the first two files, [8, 16) lies inside the second,
        // [16, 24) spans the second, the tiny third and the fourth, [24, 27) lies inside the fourth.
        List<PieceHasher.Source> sources = files(content, 3 * 1024 * 1024 + 7, 14 * 1024 * 1024, 100, 10 * 1024 * 1024);

        assertThat(PieceHasher.hash(sources, 1024 * 1024, 2, b -> { }))
                .isEqualTo(TestContent.jdkPieceHashes(content.toByteArray(), 1024 * 1024));
    }

    @Test
    void progressHearsEveryByteOnce() throws Exception {
        List<PieceHasher.Source> sources = files(new ByteArrayOutputStream(), 9 * 1024 * 1024 + 3, 5);
        java.util.concurrent.atomic.AtomicLong last = new java.util.concurrent.atomic.AtomicLong();
        PieceHasher.hash(sources, 1024 * 1024, 2, b -> last.accumulateAndGet(b, Math::max));
        assertThat(last.get()).isEqualTo(9L * 1024 * 1024 + 8);
    }

    /**
     * Another process truncating the file while it is hashed: the digests are of the whole file
     * (the truncation came after the last read) or the short file is named. Nothing is mapped, so
     * nothing can take the JVM down with SIGBUS.
     */
    @Test
    void truncationByAnotherProcessDuringHashingIsAClearErrorOrTooLateToMatter() throws Exception {
        for (int round = 0; round < 3; round++) {
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            List<PieceHasher.Source> sources = files(content, 96 * 1024 * 1024);
            Path file = sources.get(0).file();
            AtomicBoolean hashing = new AtomicBoolean(true);
            AtomicBoolean truncated = new AtomicBoolean();
            Thread truncator = new Thread(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                // Bounded: until the hashing ends, a truncation gets through, or 20 s.
                while (hashing.get() && !truncated.get() && System.nanoTime() < deadline) {
                    try {
                        Process p = new ProcessBuilder("truncate", "-s", "1M", file.toString()).redirectErrorStream(true).start();
                        if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                            truncated.set(true);
                        }
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            truncator.start();
            try {
                byte[] hashes = PieceHasher.hash(sources, 1024 * 1024, 2, b -> { });
                assertThat(hashes).isEqualTo(TestContent.jdkPieceHashes(content.toByteArray(), 1024 * 1024));
            } catch (MetainfoException e) {
                hashing.set(false);
                truncator.join(30_000); // the truncate process may have done its work and not yet said so
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
    void segmentsHoldWholeBatchesSoThatOnlyTheLastBatchIsShort() {
        int mib = 1024 * 1024;
        for (int pieceLength : new int[] {16 * 1024, mib, 2 * mib, 4 * mib}) {
            for (int batch : new int[] {1, 4, 256}) {
                PieceHasher.Segments segments = PieceHasher.Segments.of(1L << 30, pieceLength, batch);
                assertThat(segments.piecesPerSegment() % batch).as("%d-byte pieces, batches of %d", pieceLength, batch).isZero();
                assertThat(segments.piecesPerSegment()).isGreaterThanOrEqualTo(Math.max(1, PieceHasher.SEGMENT_BYTES / pieceLength));
            }
        }
        assertThat(PieceHasher.Segments.of(1L << 30, 4 * mib, 4).piecesPerSegment()).isEqualTo(4);
        assertThat(PieceHasher.Segments.of(1L << 30, mib, 4).piecesPerSegment()).isEqualTo(8);
    }

    @Test
    void batchesAreFourPiecesOrMoreSideBySideAndOneOrNoneOtherwise() throws Exception {
        assertThat(PieceHasher.batchFor(1024 * 1024, false)).isEqualTo(1);
        assertThat(PieceHasher.batchFor(PieceHasher.READ_SIZE + 1, false)).as("streamed").isZero();
        assertThat(PieceHasher.batchFor(16 * 1024, true)).isEqualTo(256);
        assertThat(PieceHasher.batchFor(1024 * 1024, true)).isEqualTo(4);
        assertThat(PieceHasher.batchFor(4 * 1024 * 1024, true)).isEqualTo(4);
        assertThat(PieceHasher.batchFor(8 * 1024 * 1024, true)).as("streamed").isZero();
        assertThat(SystemProperties.with("enjambre.sha1", "jdk", Sha1Pieces::sideBySide)).isFalse();
    }

    @Test
    void aFileShorterThanListedIsAClearError() throws Exception {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        List<PieceHasher.Source> sources = files(content, 12 * 1024 * 1024);
        // Listed at 12 MiB, but only 10 MiB are there when hashing starts.
        try (FileChannel writer = FileChannel.open(sources.get(0).file(), StandardOpenOption.WRITE)) {
            writer.truncate(10 * 1024 * 1024);
        }

        assertThatThrownBy(() -> PieceHasher.hash(sources, 1024 * 1024, 2, b -> { }))
                .isInstanceOf(MetainfoException.class)
                .hasMessageContaining(sources.get(0).file().toString())
                .hasMessageContaining("shrank while hashing");
    }
}
