package org.enjambre.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.BitSet;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.enjambre.metainfo.InfoHash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResumeDataTest {
    private static final InfoHash HASH = InfoHash.fromHex("0123456789abcdef0123456789abcdef01234567");
    private static final InfoHash OTHER = InfoHash.fromHex("fedcba9876543210fedcba9876543210fedcba98");

    @TempDir
    Path dir;

    private static TestTorrent torrent() {
        return TestTorrent.multiFile("t", new String[] {"a", "empty", "b/c"}, new int[] {50_000, 0, 30_000}, 16 * 1024, 31);
    }

    /** Half the pieces written and verified, as a download interrupted midway would leave them. */
    private static BitSet writeHalf(TestTorrent t, TorrentStorage s) throws IOException {
        s.createFiles();
        BitSet verified = new BitSet();
        for (int p = 0; p < t.info.pieceCount(); p += 2) {
            s.writeBlock(p, 0, t.piece(p));
            assertThat(s.verifyPiece(p)).isTrue();
            verified.set(p);
        }
        return verified;
    }

    @Test
    void savedAndLoadedResumeDataIsTrustedWhileTheFilesAreUnchanged() throws Exception {
        TestTorrent t = torrent();
        Path file = ResumeData.defaultPath(dir, HASH);
        assertThat(file).isEqualTo(dir.resolve(".enjambre").resolve(HASH.hex() + ".resume"));
        BitSet verified;
        try (TorrentStorage s = TorrentStorage.open(t.info, dir)) {
            verified = writeHalf(t, s);
            s.flush();
            ResumeData.capture(HASH, s, verified).save(file);
        }
        try (TorrentStorage s = TorrentStorage.open(t.info, dir)) {
            ResumeData loaded = ResumeData.load(file).orElseThrow();
            assertThat(loaded.verified()).isEqualTo(verified);
            assertThat(loaded.infoHash()).isEqualTo(HASH);
            assertThat(loaded.matches(s)).isTrue();
            AtomicInteger progressCalls = new AtomicInteger();
            ResumeData.Outcome outcome = ResumeData.loadOrRecheck(file, HASH, s, 2, (c, v, n) -> progressCalls.incrementAndGet());
            assertThat(outcome.trusted()).isTrue();
            assertThat(outcome.verified()).isEqualTo(verified);
            assertThat(progressCalls).hasValue(0); // nothing was read again
        }
        try (Stream<Path> left = Files.list(file.getParent())) {
            assertThat(left).containsExactly(file); // no temporary file left behind
        }
    }

    @Test
    void aTouchedFileMakesTheResumeDataUntrustedAndTheDataIsRechecked() throws Exception {
        TestTorrent t = torrent();
        Path file = ResumeData.defaultPath(dir, HASH);
        try (TorrentStorage s = TorrentStorage.open(t.info, dir)) {
            BitSet verified = writeHalf(t, s);
            ResumeData.capture(HASH, s, verified).save(file);
            Path a = s.filePath(0);
            Files.setLastModifiedTime(a, FileTime.fromMillis(Files.getLastModifiedTime(a).toMillis() + 5_000));
            ResumeData.Outcome outcome = ResumeData.loadOrRecheck(file, HASH, s, 2, RecheckProgress.NONE);
            assertThat(outcome.trusted()).isFalse();
            assertThat(outcome.reason()).contains("files changed");
            assertThat(outcome.verified()).isEqualTo(verified); // the recheck found the same pieces, by reading
        }
    }

    @Test
    void aTruncatedFileMakesTheResumeDataUntrustedAndItsPiecesAreLost() throws Exception {
        TestTorrent t = torrent();
        Path file = ResumeData.defaultPath(dir, HASH);
        try (TorrentStorage s = TorrentStorage.open(t.info, dir)) {
            BitSet verified = writeHalf(t, s);
            ResumeData.capture(HASH, s, verified).save(file);
            try (RandomAccessFile raf = new RandomAccessFile(s.filePath(2).toFile(), "rw")) {
                raf.setLength(1000);
            }
            // Same mtime as saved: only the size betrays the change.
            ResumeData saved = ResumeData.load(file).orElseThrow();
            Files.setLastModifiedTime(s.filePath(2), FileTime.from(saved.files().get(2).modifiedNanos(), java.util.concurrent.TimeUnit.NANOSECONDS));
            ResumeData.Outcome outcome = ResumeData.loadOrRecheck(file, HASH, s, 2, RecheckProgress.NONE);
            assertThat(outcome.trusted()).isFalse();
            BitSet expected = (BitSet) verified.clone();
            expected.clear(t.info.pieceCount() - 1);           // the last piece lies in b/c, now cut
            expected.clear(50_000 / (16 * 1024) + 1, t.info.pieceCount());
            assertThat(outcome.verified()).isEqualTo(s.recheck(1, RecheckProgress.NONE));
            assertThat(outcome.verified().cardinality()).isLessThan(verified.cardinality());
            assertThat(outcome.verified()).isEqualTo(expected);
        }
    }

    @Test
    void aDeletedFileMakesTheResumeDataUntrusted() throws Exception {
        TestTorrent t = torrent();
        Path file = ResumeData.defaultPath(dir, HASH);
        try (TorrentStorage s = TorrentStorage.open(t.info, dir)) {
            ResumeData.capture(HASH, s, writeHalf(t, s)).save(file);
            Files.delete(s.filePath(1)); // even the empty file counts
            assertThat(ResumeData.load(file).orElseThrow().matches(s)).isFalse();
        }
    }

    @Test
    void resumeDataOfAnotherTorrentMissingOrMalformedLeadsToARecheckWithTheReason() throws Exception {
        TestTorrent t = torrent();
        Path file = dir.resolve("r.resume");
        try (TorrentStorage s = TorrentStorage.open(t.info, dir)) {
            BitSet verified = writeHalf(t, s);
            assertThat(ResumeData.loadOrRecheck(file, HASH, s, 1, RecheckProgress.NONE))
                    .satisfies(o -> assertThat(o.reason()).startsWith("no resume data"))
                    .satisfies(o -> assertThat(o.verified()).isEqualTo(verified));

            ResumeData.capture(OTHER, s, verified).save(file);
            assertThat(ResumeData.loadOrRecheck(file, HASH, s, 1, RecheckProgress.NONE).reason()).contains("another torrent");

            Files.write(file, "d7:versioni1e".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertThatThrownBy(() -> ResumeData.load(file)).isInstanceOf(IOException.class).hasMessageContaining("malformed resume data");
            ResumeData.Outcome o = ResumeData.loadOrRecheck(file, HASH, s, 1, RecheckProgress.NONE);
            assertThat(o.trusted()).isFalse();
            assertThat(o.reason()).contains("malformed");
            assertThat(o.verified()).isEqualTo(verified);
        }
    }

    @Test
    void aBitfieldWithSpareBitsOrTheWrongLengthIsRefused() throws IOException {
        ResumeData good = new ResumeData(HASH, 10, BitSet.valueOf(new long[] {0b1000000101L}), java.util.List.of(new ResumeData.FileStamp(5, 6)));
        byte[] bytes = good.encode();
        assertThat(ResumeData.decode(bytes)).isEqualTo(good);
        byte[] bitfield = ResumeData.toBitfield(good.verified(), 10);
        assertThat(bitfield).containsExactly(0b1010_0000, 0b0100_0000);
        String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        String spare = text.replace("6:pieces2:\u00a0\u0040", "6:pieces2:\u00a0\u0041");
        assertThatThrownBy(() -> ResumeData.decode(spare.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)))
                .hasMessageContaining("spare bits");
        String shortField = text.replace("6:pieces2:\u00a0\u0040", "6:pieces1:\u00a0");
        assertThatThrownBy(() -> ResumeData.decode(shortField.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)))
                .hasMessageContaining("bitfield");
        assertThat(ResumeData.load(dir.resolve("none"))).isEqualTo(Optional.empty());
    }
}
