package org.enjambre.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.enjambre.metainfo.Info;
import org.enjambre.metainfo.TorrentFile;
import org.enjambre.testutil.SystemProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorrentStorageTest {
    private static final int BLOCK = 16 * 1024;

    @TempDir
    Path dir;

    /** Multi-file torrent whose 32 KiB pieces span several files, with empty files first, between and last. */
    private static TestTorrent spanningTorrent() {
        return TestTorrent.multiFile("album",
                new String[] {"empty-first", "a.bin", "sub/b.bin", "sub/empty-middle", "sub/deeper/c.bin",
                        "tiny", "d.bin", "empty-last"},
                new int[] {0, 40_000, 10_000, 0, 70_001, 3, 33_333, 0},
                32 * 1024, 7);
    }

    @Test
    void aTorrentNamedLikeTheResumeFolderIsRefusedBeforeAnythingIsCreated(@org.junit.jupiter.api.io.TempDir Path dir) {
        for (String name : List.of(".enjambre", ".ENJAMBRE")) {
            org.enjambre.metainfo.Info info = new org.enjambre.metainfo.Info(name, 16384, new byte[20],
                    List.of(new org.enjambre.metainfo.TorrentFile(List.of("torrents", "x.torrent"), 10, 0)), true, false);
            assertThatThrownBy(() -> TorrentStorage.open(info, dir)).isInstanceOf(UnsafePathException.class)
                    .hasMessageContaining("reserved for Enjambre's resume data");
        }
        assertThat(dir.resolve(".enjambre")).doesNotExist();
    }

    @Test
    void singleFileLivesAtDownloadDirSlashNameAndVerifiesAfterBlocksInRandomOrder() throws IOException {
        TestTorrent t = TestTorrent.singleFile("movie.mkv", 5 * 32 * 1024 + 1234, 32 * 1024, 1);
        try (TorrentStorage s = TorrentStorage.open(t.info, dir)) {
            assertThat(s.contentPath()).isEqualTo(dir.toAbsolutePath().resolve("movie.mkv"));
            t.writeAllBlocksShuffled(s, BLOCK, 42);
            for (int p = 0; p < t.info.pieceCount(); p++) {
                assertThat(s.verifyPiece(p)).as("piece %d", p).isTrue();
            }
        }
        assertThat(Files.readAllBytes(dir.resolve("movie.mkv"))).isEqualTo(t.content);
    }

    @Test
    void multiFilePiecesSpanningFilesVerifyAndEveryFileIsByteExactIncludingEmptyOnes() throws IOException {
        TestTorrent t = spanningTorrent();
        try (TorrentStorage s = TorrentStorage.open(t.info, dir)) {
            s.createFiles();
            t.writeAllBlocksShuffled(s, BLOCK, 3);
            for (int p = 0; p < t.info.pieceCount(); p++) {
                assertThat(s.verifyPiece(p)).as("piece %d", p).isTrue();
            }
        }
        for (int i = 0; i < t.info.files().size(); i++) {
            Path p = dir.resolve("album").resolve(t.info.files().get(i).joinedPath());
            assertThat(p).as(p.toString()).isRegularFile();
            assertThat(Files.readAllBytes(p)).as(p.toString()).isEqualTo(t.fileContent(i));
        }
    }

    @Test
    void blocksReadBackEqualWhatWasWrittenAcrossFileBoundaries() throws IOException {
        TestTorrent t = spanningTorrent();
        try (TorrentStorage s = TorrentStorage.open(t.info, dir)) {
            t.writeAllBlocksShuffled(s, BLOCK, 5);
            Random r = new Random(11);
            for (int i = 0; i < 200; i++) {
                int p = r.nextInt(t.info.pieceCount());
                int size = t.info.pieceSize(p);
                int begin = r.nextInt(size);
                int length = 1 + r.nextInt(size - begin);
                byte[] expected = java.util.Arrays.copyOfRange(t.content, p * t.info.pieceLength() + begin,
                        p * t.info.pieceLength() + begin + length);
                assertThat(s.readBlock(p, begin, length)).isEqualTo(expected);
                ByteBuffer into = ByteBuffer.allocateDirect(length);
                s.readBlock(p, begin, into);
                assertThat(into.position()).isEqualTo(length);
                byte[] direct = new byte[length];
                into.flip().get(direct);
                assertThat(direct).isEqualTo(expected);
            }
        }
    }

    @Test
    void writeFromByteBufferConsumesItAndHonoursItsPosition() throws IOException {
        TestTorrent t = TestTorrent.singleFile("f", 1000, 512, 2);
        try (TorrentStorage s = TorrentStorage.open(t.info, dir)) {
            byte[] framed = new byte[600];
            System.arraycopy(t.content, 512, framed, 100, 488);
            ByteBuffer buf = ByteBuffer.wrap(framed, 100, 488);
            s.writeBlock(1, 0, buf);
            assertThat(buf.hasRemaining()).isFalse();
            assertThat(s.readBlock(1, 0, 488)).isEqualTo(t.piece(1));
            assertThat(s.verifyPiece(1)).isTrue();
        }
    }

    @Test
    void wholePiecesLargerThanOneWriteLandByteExactAcrossFilesAndLeaveTheBufferConsumed() throws IOException {
        // 256 KiB pieces over files of odd sizes: each piece is written from one buffer, in many
        // write calls (TorrentStorage.WRITE_CHUNK each), some of them crossing into the next file.
        int pieceLength = 16 * TorrentStorage.WRITE_CHUNK;
        TestTorrent t = TestTorrent.multiFile("big", new String[] {"a.bin", "b.bin", "c.bin"},
                new int[] {pieceLength + 12_345, 7, 2 * pieceLength + 99}, pieceLength, 13);
        try (TorrentStorage s = TorrentStorage.open(t.info, dir)) {
            for (int p = t.info.pieceCount() - 1; p >= 0; p--) {
                byte[] piece = t.piece(p);
                // A pooled buffer is larger than the piece: its limit, not its capacity, ends the piece.
                ByteBuffer buf = ByteBuffer.allocateDirect(pieceLength + 4096);
                buf.put(piece).flip();
                s.writeBlock(p, 0, buf);
                assertThat(buf.position()).as("piece %d consumed", p).isEqualTo(piece.length);
                assertThat(buf.limit()).as("piece %d limit kept", p).isEqualTo(piece.length);
            }
            for (int p = 0; p < t.info.pieceCount(); p++) {
                assertThat(s.verifyPiece(p)).as("piece %d", p).isTrue();
            }
        }
        for (int i = 0; i < t.info.files().size(); i++) {
            Path p = dir.resolve("big").resolve(t.info.files().get(i).joinedPath());
            assertThat(Files.readAllBytes(p)).as(p.toString()).isEqualTo(t.fileContent(i));
        }
    }

    @Test
    void aCorruptedBlockFailsVerificationAndRewritingItFixesThePiece() throws IOException {
        TestTorrent t = spanningTorrent();
        try (TorrentStorage s = TorrentStorage.open(t.info, dir)) {
            t.writeAllBlocksShuffled(s, BLOCK, 9);
            byte[] bad = t.piece(2).clone();
            bad[BLOCK + 17] ^= 1;
            s.writeBlock(2, BLOCK, java.util.Arrays.copyOfRange(bad, BLOCK, 2 * BLOCK));
            assertThat(s.verifyPiece(2)).isFalse();
            assertThat(s.verifyPiece(1)).isTrue();
            assertThat(s.verifyPiece(3)).isTrue();
            s.writeBlock(2, BLOCK, java.util.Arrays.copyOfRange(t.piece(2), BLOCK, 2 * BLOCK));
            assertThat(s.verifyPiece(2)).isTrue();
        }
    }

    @Test
    void aPieceNotYetWrittenIsInvalidNotAnError() throws IOException {
        TestTorrent t = spanningTorrent();
        try (TorrentStorage s = TorrentStorage.open(t.info, dir)) {
            assertThat(s.verifyPiece(0)).isFalse();
            s.writeBlock(3, 0, t.piece(3));
            assertThat(s.verifyPiece(3)).isTrue();
            assertThat(s.verifyPiece(0)).isFalse(); // a sparse hole of zeros
            assertThat(s.verifyPiece(t.info.pieceCount() - 1)).isFalse(); // past the end of the files
            assertThatThrownBy(() -> s.readBlock(t.info.pieceCount() - 1, 0, 10)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void blocksOutsideThePieceAndInvalidPieceIndexesAreRefused() throws IOException {
        TestTorrent t = TestTorrent.singleFile("f", 3 * 1024 + 100, 1024, 3);
        try (TorrentStorage s = TorrentStorage.open(t.info, dir)) {
            assertThatThrownBy(() -> s.writeBlock(-1, 0, new byte[1])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("piece -1");
            assertThatThrownBy(() -> s.writeBlock(4, 0, new byte[1])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("4 pieces");
            assertThatThrownBy(() -> s.writeBlock(0, 1000, new byte[25])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not inside piece 0");
            assertThatThrownBy(() -> s.writeBlock(3, 0, new byte[101])).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.writeBlock(0, -1, new byte[1])).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.writeBlock(0, 0, new byte[0])).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.readBlock(0, Integer.MAX_VALUE, 10)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.readBlock(1, 1024 - 5, 10)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.verifyPiece(4)).isInstanceOf(IllegalArgumentException.class);
            s.writeBlock(3, 0, new byte[100]); // the short last piece, exactly
        }
        // Nothing was written by the refused calls beyond the accepted last block.
        assertThat(Files.size(dir.resolve("f"))).isEqualTo(3 * 1024 + 100);
    }

    @Test
    void recheckFindsExactlyTheValidPiecesWithMissingTruncatedAndCorruptFiles() throws Exception {
        // Piece by piece (jdk), and four side by side where the native engine loaded (auto): ten
        // pieces make two batches of four and one of two, the last piece short.
        for (String engine : new String[] {"jdk", "auto"}) {
            SystemProperties.with("enjambre.sha1", engine, () -> {
                recheckFindsExactlyTheValidPieces(dir.resolve(engine));
                return null;
            });
        }
    }

    private void recheckFindsExactlyTheValidPieces(Path dir) throws Exception {
        // 8 files of 20,000 bytes in pieces of 16 KiB: pieces straddle files, so one bad file spoils its neighbours' edge pieces.
        String[] paths = new String[8];
        int[] lengths = new int[8];
        for (int i = 0; i < 8; i++) {
            paths[i] = "part" + i;
            lengths[i] = 20_000;
        }
        TestTorrent t = TestTorrent.multiFile("set", paths, lengths, 16 * 1024, 21);
        BitSet expected = new BitSet();
        try (TorrentStorage s = TorrentStorage.open(t.info, dir)) {
            t.writeAllFiles(s);
            Files.delete(s.filePath(2));                                   // missing
            try (RandomAccessFile f = new RandomAccessFile(s.filePath(5).toFile(), "rw")) {
                f.setLength(12_345);                                      // truncated
            }
            byte[] six = Files.readAllBytes(s.filePath(6));
            six[19_000] ^= (byte) 0xff;                                    // corrupt near its end
            Files.write(s.filePath(6), six);

            for (int p = 0; p < t.info.pieceCount(); p++) {
                long start = (long) p * t.info.pieceLength();
                long end = start + t.info.pieceSize(p);
                boolean touchesMissing = overlaps(start, end, 2 * 20_000L, 3 * 20_000L);
                boolean touchesCut = overlaps(start, end, 5 * 20_000L + 12_345, 6 * 20_000L);
                boolean touchesCorrupt = overlaps(start, end, 6 * 20_000L + 19_000, 6 * 20_000L + 19_001);
                if (!touchesMissing && !touchesCut && !touchesCorrupt) {
                    expected.set(p);
                }
            }
            AtomicInteger lastChecked = new AtomicInteger();
            AtomicInteger lastValid = new AtomicInteger();
            BitSet valid = s.recheck(3, (checked, ok, total) -> {
                assertThat(total).isEqualTo(t.info.pieceCount());
                lastChecked.accumulateAndGet(checked, Math::max);
                lastValid.accumulateAndGet(ok, Math::max);
            });
            assertThat(valid).isEqualTo(expected);
            assertThat(s.incompleteFiles()).containsExactly(s.filePath(2), s.filePath(5));
            assertThat(expected.cardinality()).isBetween(2, t.info.pieceCount() - 3);
            assertThat(lastChecked.get()).isEqualTo(t.info.pieceCount());
            assertThat(lastValid.get()).isEqualTo(expected.cardinality());
            for (int p = 0; p < t.info.pieceCount(); p++) {
                assertThat(s.verifyPiece(p)).as("piece %d", p).isEqualTo(expected.get(p));
            }
        }
    }

    private static boolean overlaps(long start, long end, long from, long to) {
        return start < to && from < end;
    }

    @Test
    void recheckOfAFolderThatDoesNotExistFindsNothingWithoutCreatingIt() throws Exception {
        TestTorrent t = spanningTorrent();
        Path nowhere = dir.resolve("not-there");
        try (TorrentStorage s = TorrentStorage.open(t.info, nowhere)) {
            assertThat(s.recheck(RecheckProgress.NONE).isEmpty()).isTrue();
        }
        assertThat(nowhere).doesNotExist();
    }

    @Test
    void recheckOfCompleteDataFindsEveryPiece() throws Exception {
        TestTorrent t = spanningTorrent();
        try (TorrentStorage s = TorrentStorage.open(t.info, dir)) {
            t.writeAllFiles(s);
            BitSet valid = s.recheck(2, RecheckProgress.NONE);
            assertThat(valid.cardinality()).isEqualTo(t.info.pieceCount());
            assertThat(s.incompleteFiles()).isEmpty();
        }
    }

    @Test
    void pathsThatEscapeTheDownloadFolderAreRefusedBeforeAnythingIsCreated() {
        byte[] oneHash = TestTorrent.hashes(new byte[10], 16);
        Info dotDotName = new Info("..", 16, oneHash, List.of(new TorrentFile(List.of(".."), 10, 0)), false, false);
        Info dotDotPath = new Info("ok", 16, oneHash, List.of(new TorrentFile(List.of("a", "..", "..", "evil"), 10, 0)), true, false);
        Info absolute = new Info("ok", 16, oneHash, List.of(new TorrentFile(List.of("/etc/passwd"), 10, 0)), true, false);
        Info slashName = new Info("../x", 16, oneHash, List.of(new TorrentFile(List.of("../x"), 10, 0)), false, false);
        for (Info info : List.of(dotDotName, dotDotPath, absolute, slashName)) {
            assertThatThrownBy(() -> TorrentStorage.open(info, dir.resolve("down")))
                    .isInstanceOf(UnsafePathException.class).hasMessageContaining("unsafe path");
        }
        assertThat(dir.resolve("down")).doesNotExist();
    }

    @Test
    void aSymbolicLinkInsideTheDownloadFolderThatLeadsOutsideIsNotWrittenThrough() throws IOException {
        Path down = Files.createDirectories(dir.resolve("down"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        TestTorrent t = TestTorrent.multiFile("album", new String[] {"sub/x.bin", "y.bin"}, new int[] {100, 100}, 64, 4);
        Files.createDirectories(down.resolve("album"));
        Files.createSymbolicLink(down.resolve("album/sub"), outside);
        try (TorrentStorage s = TorrentStorage.open(t.info, down)) {
            assertThatThrownBy(() -> s.writeBlock(0, 0, new byte[64])).isInstanceOf(UnsafePathException.class)
                    .hasMessageContaining("outside the download folder");
            assertThatThrownBy(s::createFiles).isInstanceOf(UnsafePathException.class);
            Files.write(outside.resolve("x.bin"), t.fileContent(0));
            assertThatThrownBy(() -> s.readBlock(0, 0, 64)).isInstanceOf(UnsafePathException.class);
            assertThatThrownBy(() -> s.recheck(1, RecheckProgress.NONE)).isInstanceOf(UnsafePathException.class);
            s.writeBlock(3, 0, new byte[8]); // y.bin is a plain file inside: fine
        }
        try (Stream<Path> out = Files.list(outside)) {
            assertThat(out.map(p -> p.getFileName().toString())).containsExactly("x.bin");
        }
        assertThat(Files.readAllBytes(outside.resolve("x.bin"))).isEqualTo(t.fileContent(0));
    }

    @Test
    void aDanglingSymbolicLinkAsTheFileIsNotWrittenThrough() throws IOException {
        Path down = Files.createDirectories(dir.resolve("down"));
        Path target = dir.resolve("outside-file");
        Files.createSymbolicLink(down.resolve("f"), target);
        TestTorrent t = TestTorrent.singleFile("f", 100, 64, 5);
        try (TorrentStorage s = TorrentStorage.open(t.info, down)) {
            assertThatThrownBy(() -> s.writeBlock(0, 0, new byte[64])).isInstanceOf(UnsafePathException.class);
        }
        assertThat(target).doesNotExist();
    }

    @Test
    void aSymbolicLinkThatStaysInsideTheDownloadFolderIsFollowed() throws IOException {
        Path down = Files.createDirectories(dir.resolve("down"));
        Files.createDirectories(down.resolve("real"));
        Files.createDirectories(down.resolve("album"));
        Files.createSymbolicLink(down.resolve("album/sub"), down.resolve("real"));
        TestTorrent t = TestTorrent.multiFile("album", new String[] {"sub/x.bin"}, new int[] {100}, 64, 6);
        try (TorrentStorage s = TorrentStorage.open(t.info, down)) {
            t.writeAllBlocksShuffled(s, 64, 1);
            assertThat(s.verifyPiece(0)).isTrue();
        }
        assertThat(Files.readAllBytes(down.resolve("real/x.bin"))).isEqualTo(t.content);
    }

    @Test
    void moreFilesThanTheHandleLimitStillWorkAndNeverOpenMoreThanTheLimit() throws Exception {
        int count = 300;
        String[] paths = new String[count];
        int[] lengths = new int[count];
        for (int i = 0; i < count; i++) {
            paths[i] = "d" + (i % 7) + "/f" + i;
            lengths[i] = 100 + (i * 37) % 500;
        }
        TestTorrent t = TestTorrent.multiFile("many", paths, lengths, 1024, 8);
        try (TorrentStorage s = TorrentStorage.open(t.info, dir, 8)) {
            s.createFiles();
            t.writeAllBlocksShuffled(s, 256, 2);
            assertThat(s.openFileCount()).isLessThanOrEqualTo(8);
            assertThat(s.peakOpenFileCount()).isLessThanOrEqualTo(8 + 1);
            assertThat(s.recheck(2, RecheckProgress.NONE).cardinality()).isEqualTo(t.info.pieceCount());
            assertThat(s.peakOpenFileCount()).isLessThanOrEqualTo(8 + 2);
        }
        for (int i = 0; i < count; i += 29) {
            assertThat(Files.readAllBytes(dir.resolve("many").resolve(paths[i]))).isEqualTo(t.fileContent(i));
        }
    }

    @Test
    void concurrentWritesFromSeveralThreadsAllLand() throws Exception {
        TestTorrent t = TestTorrent.multiFile("c", new String[] {"a", "b", "c", "d"},
                new int[] {100_000, 1, 150_000, 77_777}, 32 * 1024, 10);
        List<int[]> blocks = t.blocks(4 * 1024);
        Collections.shuffle(blocks, new Random(5));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (TorrentStorage s = TorrentStorage.open(t.info, dir, 2)) {
            List<Future<?>> done = new ArrayList<>();
            for (int[] b : blocks) {
                done.add(pool.submit(() -> {
                    int from = b[0] * t.info.pieceLength() + b[1];
                    s.writeBlock(b[0], b[1], java.util.Arrays.copyOfRange(t.content, from, from + b[2]));
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
            List<Future<Boolean>> checks = new ArrayList<>();
            for (int p = 0; p < t.info.pieceCount(); p++) {
                int piece = p;
                checks.add(pool.submit(() -> s.verifyPiece(piece)));
            }
            for (Future<Boolean> f : checks) {
                assertThat(f.get(30, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anInterruptedWriterFailsAloneAndTheStorageKeepsWorking() throws IOException {
        TestTorrent t = TestTorrent.singleFile("f", 4096, 1024, 12);
        try (TorrentStorage s = TorrentStorage.open(t.info, dir)) {
            s.writeBlock(0, 0, t.piece(0));
            Thread.currentThread().interrupt();
            try {
                assertThatThrownBy(() -> s.writeBlock(1, 0, t.piece(1))).isInstanceOf(InterruptedIOException.class);
            } finally {
                Thread.interrupted();
            }
            s.writeBlock(1, 0, t.piece(1));
            assertThat(s.verifyPiece(0)).isTrue();
            assertThat(s.verifyPiece(1)).isTrue();
        }
    }

    @Test
    void anExistingFileLongerThanTheTorrentSaysIsCutWhenWritten() throws IOException {
        TestTorrent t = TestTorrent.singleFile("f", 1000, 512, 13);
        Files.write(dir.resolve("f"), new byte[5000]);
        try (TorrentStorage s = TorrentStorage.open(t.info, dir)) {
            t.writeAllBlocksShuffled(s, 100, 1);
        }
        assertThat(Files.readAllBytes(dir.resolve("f"))).isEqualTo(t.content);
    }

    @Test
    void readingAFileThatDoesNotExistSaysSoAndCreatesNothing() throws IOException {
        TestTorrent t = TestTorrent.singleFile("f", 1000, 512, 14);
        try (TorrentStorage s = TorrentStorage.open(t.info, dir)) {
            assertThatThrownBy(() -> s.readBlock(0, 0, 10)).isInstanceOf(NoSuchFileException.class);
        }
        assertThat(dir.resolve("f")).doesNotExist();
    }

    @Test
    void closeClosesEveryFileAndLaterUseThrows() throws Exception {
        TestTorrent t = spanningTorrent();
        TorrentStorage s = TorrentStorage.open(t.info, dir);
        t.writeAllBlocksShuffled(s, BLOCK, 1);
        assertThat(s.openFileCount()).isPositive();
        s.close();
        assertThat(s.openFileCount()).isZero();
        assertThatThrownBy(() -> s.writeBlock(0, 0, new byte[1])).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> s.readBlock(0, 0, 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> s.verifyPiece(0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> s.recheck(RecheckProgress.NONE)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(s::createFiles).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(s::flush).isInstanceOf(IllegalStateException.class);
        s.close(); // twice is fine
    }
}
