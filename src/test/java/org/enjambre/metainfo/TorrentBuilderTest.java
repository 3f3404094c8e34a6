package org.enjambre.metainfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.BInt;
import org.enjambre.bencode.Bencode;
import org.enjambre.testutil.SystemProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorrentBuilderTest {
    @TempDir
    Path dir;

    private Path folder() throws Exception {
        Path root = dir.resolve("album");
        Files.createDirectories(root.resolve("b/deep"));
        Files.createDirectories(root.resolve("a"));
        Files.write(root.resolve("b/deep/z.bin"), TestContent.random(70_000, 1));
        Files.write(root.resolve("a/empty"), new byte[0]);
        Files.write(root.resolve("a/x.bin"), TestContent.random(40_000, 2));
        Files.write(root.resolve("a-b.bin"), TestContent.random(5, 3));
        Files.write(root.resolve("ñandú.txt"), TestContent.random(16_384, 4));
        return root;
    }

    @Test
    void folderIsHashedInSortedOrderWithEmptyFilesKept() throws Exception {
        Path root = folder();
        Metainfo m = TorrentBuilder.forPath(root).pieceLength(16 * 1024).creationDate(null).build();

        // Components compare as raw UTF-8 bytes: "a" < "a-b.bin" < "b" < "ñandú.txt" (0xc3 > 'b').
        assertThat(m.info().files()).extracting(TorrentFile::joinedPath)
                .containsExactly("a/empty", "a/x.bin", "a-b.bin", "b/deep/z.bin", "ñandú.txt");
        assertThat(m.info().files()).extracting(TorrentFile::length).containsExactly(0L, 40_000L, 5L, 70_000L, 16_384L);
        assertThat(m.info().name()).isEqualTo("album");
        assertThat(m.info().multiFile()).isTrue();

        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (String p : List.of("a/empty", "a/x.bin", "a-b.bin", "b/deep/z.bin", "ñandú.txt")) {
            content.write(Files.readAllBytes(root.resolve(p)));
        }
        assertThat(m.info().pieceHashes()).isEqualTo(TestContent.jdkPieceHashes(content.toByteArray(), 16 * 1024));
        assertThat(m.info().pieceCount()).isEqualTo((126_389 + 16_383) / 16_384);
    }

    @Test
    void encodedTorrentParsesBackWithTheSameInfoHash() throws Exception {
        Metainfo m = TorrentBuilder.forPath(folder()).pieceLength(32 * 1024)
                .trackers(List.of("http://127.0.0.1:6969/announce", "udp://127.0.0.1:6969"))
                .comment("hello").privateFlag(true).creationDate(1_700_000_000L).build();
        Metainfo back = Metainfo.parse(m.encode());
        assertThat(back.infoHash()).isEqualTo(m.infoHash());
        assertThat(back.announce()).isEqualTo("http://127.0.0.1:6969/announce");
        assertThat(back.announceList()).containsExactly(List.of("http://127.0.0.1:6969/announce"), List.of("udp://127.0.0.1:6969"));
        assertThat(back.comment()).isEqualTo("hello");
        assertThat(back.creationDate()).isEqualTo(1_700_000_000L);
        assertThat(back.createdBy()).startsWith("Enjambre/");
        assertThat(back.info().isPrivate()).isTrue();
        BDict info = (BDict) Bencode.parse(m.infoBytes());
        assertThat(info.get("private")).isEqualTo(new BInt(1));
        // The info dictionary is canonical: re-encoding it gives the same bytes.
        assertThat(Bencode.encode(info)).isEqualTo(m.infoBytes());
    }

    @Test
    void oneTrackerIsJustAnnounce() throws Exception {
        Metainfo m = TorrentBuilder.forPath(folder()).trackers(List.of("http://127.0.0.1:1/announce")).build();
        assertThat(m.announce()).isEqualTo("http://127.0.0.1:1/announce");
        assertThat(m.announceList()).isEmpty();
    }

    @Test
    void sameFolderGivesTheSameTorrentWhateverTheThreads() throws Exception {
        Path root = folder();
        Metainfo one = TorrentBuilder.forPath(root).pieceLength(16 * 1024).creationDate(0L).threads(1).build();
        Metainfo four = TorrentBuilder.forPath(root).pieceLength(16 * 1024).creationDate(0L).threads(4).build();
        assertThat(four.encode()).isEqualTo(one.encode());
        assertThat(four.infoHash()).isEqualTo(one.infoHash());
    }

    @Test
    void singleFileSpanningManyChunksMatchesAnIndependentHash() throws Exception {
        // 9 MiB + 123 bytes in 64 KiB pieces: three read chunks, a short last piece.
        byte[] data = TestContent.random(9 * 1024 * 1024 + 123, 7);
        Path file = dir.resolve("big.bin");
        Files.write(file, data);
        Metainfo m = TorrentBuilder.forPath(file).pieceLength(64 * 1024).threads(3).build();
        assertThat(m.info().multiFile()).isFalse();
        assertThat(m.info().name()).isEqualTo("big.bin");
        assertThat(m.info().totalLength()).isEqualTo(data.length);
        assertThat(m.info().pieceHashes()).isEqualTo(TestContent.jdkPieceHashes(data, 64 * 1024));
    }

    @Test
    void everySha1EngineGivesTheJdkDigestOfEveryPieceAndOfTheInfoDictionary() throws Exception {
        // A piece across a file boundary and pieces larger than one read (1 MiB): every engine, same bytes.
        byte[] data = TestContent.random(3 * 1024 * 1024 + 77, 11);
        Path file = dir.resolve("engines.bin");
        Files.write(file, data);
        Path root = folder();
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (String p : List.of("a/empty", "a/x.bin", "a-b.bin", "b/deep/z.bin", "ñandú.txt")) {
            content.write(Files.readAllBytes(root.resolve(p)));
        }
        // jdk and libcrypto one piece at a time; auto four at a time where the native library loaded.
        for (String engine : new String[] {"jdk", "libcrypto", "auto"}) {
            SystemProperties.with("enjambre.sha1", engine, () -> {
                Metainfo m = TorrentBuilder.forPath(file).pieceLength(2 * 1024 * 1024).threads(2).build();
                assertThat(m.info().pieceHashes()).as(engine).isEqualTo(TestContent.jdkPieceHashes(data, 2 * 1024 * 1024));
                Metainfo folder = TorrentBuilder.forPath(root).pieceLength(16 * 1024).creationDate(0L).threads(2).build();
                assertThat(folder.info().pieceHashes()).as(engine).isEqualTo(TestContent.jdkPieceHashes(content.toByteArray(), 16 * 1024));
                assertThat(folder.infoHash().hex()).as(engine).isEqualTo(jdkSha1Hex(folder.infoBytes()));
                return null;
            });
        }
    }

    private static String jdkSha1Hex(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1").digest(bytes));
    }

    @Test
    void pieceLengthIsChosenForOneToTwoThousandPieces() {
        assertThat(TorrentBuilder.autoPieceLength(1)).isEqualTo(16 * 1024);
        assertThat(TorrentBuilder.autoPieceLength(2000L * 16 * 1024)).isEqualTo(16 * 1024);
        assertThat(TorrentBuilder.autoPieceLength(2000L * 16 * 1024 + 1)).isEqualTo(32 * 1024);
        assertThat(TorrentBuilder.autoPieceLength(1L << 30)).isEqualTo(1 << 20); // 1 GiB -> 1,024 pieces
        assertThat(TorrentBuilder.autoPieceLength(700L << 20)).isEqualTo(512 * 1024); // 1,400 pieces
        assertThat(TorrentBuilder.autoPieceLength(1L << 40)).isEqualTo(16 << 20); // capped at 16 MiB
        for (long size = 40L << 20; size < (30L << 30); size = size * 3 / 2) {
            long pieces = (size + TorrentBuilder.autoPieceLength(size) - 1) / TorrentBuilder.autoPieceLength(size);
            assertThat(pieces).as("pieces for %d bytes", size).isBetween(1001L, 2000L);
        }
    }

    @Test
    void autoPieceLengthIsUsedWhenNoneIsGiven() throws Exception {
        Path file = dir.resolve("f");
        Files.write(file, TestContent.random(100_000, 9));
        assertThat(TorrentBuilder.forPath(file).build().info().pieceLength()).isEqualTo(16 * 1024);
    }

    @Test
    void pieceLengthThatIsNotAPowerOfTwoIsRefused() {
        assertThatThrownBy(() -> TorrentBuilder.forPath(dir).pieceLength(100_000))
                .isInstanceOf(MetainfoException.class).hasMessageContaining("power of two");
        assertThatThrownBy(() -> TorrentBuilder.forPath(dir).pieceLength(8192))
                .isInstanceOf(MetainfoException.class).hasMessageContaining("power of two");
    }

    @Test
    void nameOverrideMustBeSafe() throws Exception {
        Path file = dir.resolve("f");
        Files.write(file, TestContent.random(10, 9));
        assertThat(TorrentBuilder.forPath(file).name("other.bin").build().info().name()).isEqualTo("other.bin");
        assertThat(TorrentBuilder.forPath(file).name("other.bin").build().info().files().get(0).path()).containsExactly("other.bin");
        assertThatThrownBy(() -> TorrentBuilder.forPath(file).name("../x"))
                .isInstanceOf(MetainfoException.class).hasMessageContaining("unsafe path");
    }

    @Test
    void symlinkPointingOutsideTheFolderIsRefused() throws Exception {
        Path root = folder();
        Path outside = Files.write(dir.resolve("secret"), TestContent.random(10, 1));
        Files.createSymbolicLink(root.resolve("link"), outside);
        assertThatThrownBy(() -> TorrentBuilder.forPath(root).build())
                .isInstanceOf(MetainfoException.class)
                .hasMessageContaining("link").hasMessageContaining("points outside");
    }

    @Test
    void symlinkToAFileInsideTheFolderIsFollowed() throws Exception {
        Path root = folder();
        Files.createSymbolicLink(root.resolve("zz-link"), root.resolve("a-b.bin"));
        Metainfo m = TorrentBuilder.forPath(root).build();
        // "zz-link" sorts before "ñandú.txt": 'z' is 0x7a, "ñ" starts with 0xc3.
        TorrentFile link = m.info().files().get(m.info().files().size() - 2);
        assertThat(link.path()).containsExactly("zz-link");
        assertThat(link.length()).isEqualTo(5);
    }

    @Test
    void unsafeFileNameIsRefused() throws Exception {
        Path root = folder();
        Files.write(root.resolve("C:evil"), new byte[] {1});
        assertThatThrownBy(() -> TorrentBuilder.forPath(root).build())
                .isInstanceOf(MetainfoException.class).hasMessageContaining("drive letter");
        Files.delete(root.resolve("C:evil"));
        Files.write(root.resolve("back\\slash"), new byte[] {1});
        assertThatThrownBy(() -> TorrentBuilder.forPath(root).build())
                .isInstanceOf(MetainfoException.class).hasMessageContaining("separator");
    }

    @Test
    void missingPathAndEmptyContentAreRefused() throws Exception {
        assertThatThrownBy(() -> TorrentBuilder.forPath(dir.resolve("nope")).build()).isInstanceOf(NoSuchFileException.class);
        Files.createDirectories(dir.resolve("hollow/sub"));
        assertThatThrownBy(() -> TorrentBuilder.forPath(dir.resolve("hollow")).build())
                .isInstanceOf(MetainfoException.class).hasMessageContaining("no files");
        Files.write(dir.resolve("hollow/sub/zero"), new byte[0]);
        assertThatThrownBy(() -> TorrentBuilder.forPath(dir.resolve("hollow")).build())
                .isInstanceOf(MetainfoException.class).hasMessageContaining("every file is empty");
    }

    @Test
    void badTrackerUrlIsRefused() {
        assertThatThrownBy(() -> TorrentBuilder.forPath(dir).trackers(List.of("not a url")))
                .isInstanceOf(MetainfoException.class).hasMessageContaining("tracker URL");
    }

    @Test
    void aLinkGivenAsThePathIsNamedAfterTheLink() throws Exception {
        Path target = Files.write(dir.resolve("target-name.bin"), TestContent.random(1000, 5));
        Path link = Files.createSymbolicLink(dir.resolve("link-name.bin"), target);
        Metainfo m = TorrentBuilder.forPath(link).build();
        assertThat(m.info().name()).isEqualTo("link-name.bin");
        assertThat(m.info().pieceHashes()).isEqualTo(TestContent.jdkPieceHashes(Files.readAllBytes(target), 16 * 1024));
    }

    @Test
    void fileThatIsNotRegularIsRefused() throws Exception {
        Path root = folder();
        Path fifo = root.resolve("pipe");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(p.waitFor() == 0, "mkfifo not available");
        assertThatThrownBy(() -> TorrentBuilder.forPath(root).build())
                .isInstanceOf(MetainfoException.class).hasMessageContaining("pipe").hasMessageContaining("not a regular file");
    }

    @Test
    void progressReportsEveryByteHashed() throws Exception {
        byte[] data = TestContent.random(20 * 1024 * 1024 + 5, 11);
        Path file = Files.write(dir.resolve("p.bin"), data);
        java.util.concurrent.atomic.AtomicLong highest = new java.util.concurrent.atomic.AtomicLong();
        TorrentBuilder.forPath(file).pieceLength(1 << 20).threads(2).progress(n -> highest.accumulateAndGet(n, Math::max)).build();
        assertThat(highest.get()).isEqualTo(data.length);
    }

    @Test
    void pathsCompareByComponentsAsUnsignedUtf8Bytes() {
        assertThat(TorrentBuilder.compareComponents(List.of("a", "z"), List.of("a-b"))).isNegative(); // "a" is a prefix of "a-b"
        assertThat(TorrentBuilder.compareComponents(List.of("Z"), List.of("a"))).isNegative(); // 'Z' 0x5a < 'a' 0x61
        assertThat(TorrentBuilder.compareComponents(List.of("z"), List.of("é"))).isNegative(); // 0x7a < 0xc3
        assertThat(TorrentBuilder.compareComponents(List.of("\uFF5E"), List.of("\uD83D\uDE00"))).isNegative(); // ef < f0, unlike UTF-16 order
        assertThat(TorrentBuilder.compareComponents(List.of("a"), List.of("a", "b"))).isNegative();
        assertThat(TorrentBuilder.compareComponents(List.of("a", "b"), List.of("a", "b"))).isZero();
    }

    @Test
    void aFileTruncatedWhileHashingIsAClearErrorForWholeAndStreamedPieces() throws Exception {
        // 1 MiB pieces are read whole (four or more at a time with the native engine) and hashed in
        // one call; 8 MiB pieces stream through a 1 MiB buffer.
        for (int pieceLength : new int[] {1 << 20, 8 << 20}) {
            Path file = dir.resolve("shrinking-" + pieceLength);
            Files.write(file, TestContent.random(10 << 20, pieceLength));
            boolean[] truncated = {false};
            // One thread: the first segment (8 MiB) is hashed, then the file loses its tail.
            TorrentBuilder builder = TorrentBuilder.forPath(file).pieceLength(pieceLength).threads(1).progress(bytes -> {
                if (!truncated[0]) {
                    truncated[0] = true;
                    try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
                        channel.truncate((9 << 20) + 5);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            });
            assertThatThrownBy(builder::build)
                    .isInstanceOf(MetainfoException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageContaining("shrank while hashing");
        }
    }

    @Test
    void aFileThatGrowsWhileHashingIsAClearError() throws Exception {
        Path file = dir.resolve("growing");
        Files.write(file, TestContent.random(10 << 20, 3));
        boolean[] grown = {false};
        TorrentBuilder builder = TorrentBuilder.forPath(file).pieceLength(1 << 20).threads(1).progress(bytes -> {
            if (!grown[0]) {
                grown[0] = true;
                try {
                    Files.write(file, new byte[100], java.nio.file.StandardOpenOption.APPEND);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        assertThatThrownBy(builder::build)
                .isInstanceOf(MetainfoException.class)
                .hasMessageContaining("changed size while hashing");
    }
}
