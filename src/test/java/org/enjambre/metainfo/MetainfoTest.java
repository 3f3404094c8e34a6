package org.enjambre.metainfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.enjambre.bencode.BBytes;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.BList;
import org.enjambre.bencode.BValue;
import org.enjambre.bencode.Bencode;
import org.junit.jupiter.api.Test;

class MetainfoTest {

    private static byte[] hashes(int pieces) {
        byte[] h = new byte[pieces * 20];
        for (int i = 0; i < h.length; i++) {
            h[i] = (byte) (i * 7);
        }
        return h;
    }

    private static BDict file(long length, String... path) {
        List<BValue> components = new ArrayList<>();
        for (String c : path) {
            components.add(BBytes.of(c));
        }
        return BDict.builder().put("length", length).put("path", new BList(components)).build();
    }

    private static BDict.Builder multiInfo(BDict... files) {
        long total = 0;
        for (BDict f : files) {
            total += ((org.enjambre.bencode.BInt) f.get("length")).value();
        }
        return BDict.builder().put("name", "folder").put("piece length", 16384)
                .put("pieces", hashes((int) ((total + 16383) / 16384)))
                .put("files", new BList(List.of(files)));
    }

    private static byte[] torrent(BDict info) {
        return Bencode.encode(BDict.builder().put("announce", "http://127.0.0.1:6969/announce").put("info", info).build());
    }

    private static byte[] sha1(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-1").digest(data);
    }

    @Test
    void metadataFromPeersBecomesATorrentOnlyWhenItHashesToTheInfoHash() {
        byte[] info = Bencode.encode(BDict.builder().put("name", "fetched.bin").put("piece length", 16384)
                .put("length", 40_000).put("pieces", hashes(3)).build());
        InfoHash infoHash = InfoHash.ofInfoBytes(info);

        Metainfo m = Metainfo.fromMetadata(infoHash, info, List.of("http://a/announce", "udp://b:1"));

        assertThat(m.infoHash()).isEqualTo(infoHash);
        assertThat(m.infoBytes()).isEqualTo(info);
        assertThat(m.info().name()).isEqualTo("fetched.bin");
        assertThat(m.trackerTiers()).containsExactly(List.of("http://a/announce"), List.of("udp://b:1"));
        assertThat(Metainfo.parse(m.encode()).infoHash()).as("the .torrent written next to the data").isEqualTo(infoHash);

        byte[] tampered = info.clone();
        tampered[tampered.length - 2] ^= 1;
        assertThatThrownBy(() -> Metainfo.fromMetadata(infoHash, tampered, List.of()))
                .isInstanceOf(MetainfoException.class).hasMessageContaining("does not hash to the info-hash");
        byte[] notADictionary = "i42e".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> Metainfo.fromMetadata(InfoHash.ofInfoBytes(notADictionary), notADictionary, List.of()))
                .isInstanceOf(MetainfoException.class).hasMessageContaining("not a dictionary");
    }

    @Test
    void singleFileTorrentIsParsedWithItsFields() throws Exception {
        BDict info = BDict.builder().put("name", "movie.mkv").put("piece length", 32768)
                .put("length", 100_000).put("pieces", hashes(4)).put("private", 1).build();
        byte[] bytes = Bencode.encode(BDict.builder()
                .put("announce", "http://a/announce")
                .put("announce-list", BList.of(BList.of(BBytes.of("http://a/announce")), BList.of(BBytes.of("udp://b:1"), BBytes.of("http://c/x"))))
                .put("comment", "a comment")
                .put("created by", "mktorrent 1.1")
                .put("creation date", 1_600_000_000L)
                .put("url-list", "http://seed.example/movie.mkv")
                .put("info", info).build());
        Metainfo m = Metainfo.parse(bytes);
        assertThat(m.info().name()).isEqualTo("movie.mkv");
        assertThat(m.info().multiFile()).isFalse();
        assertThat(m.info().isPrivate()).isTrue();
        assertThat(m.info().pieceLength()).isEqualTo(32768);
        assertThat(m.info().pieceCount()).isEqualTo(4);
        assertThat(m.info().pieceSize(3)).isEqualTo(100_000 - 3 * 32768);
        assertThat(m.info().pieceHash(1)).isEqualTo(java.util.Arrays.copyOfRange(hashes(4), 20, 40));
        assertThat(m.info().files()).containsExactly(new TorrentFile(List.of("movie.mkv"), 100_000, 0));
        assertThat(m.announce()).isEqualTo("http://a/announce");
        assertThat(m.announceList()).containsExactly(List.of("http://a/announce"), List.of("udp://b:1", "http://c/x"));
        assertThat(m.trackers()).containsExactly("http://a/announce", "udp://b:1", "http://c/x");
        assertThat(m.comment()).isEqualTo("a comment");
        assertThat(m.createdBy()).isEqualTo("mktorrent 1.1");
        assertThat(m.creationDate()).isEqualTo(1_600_000_000L);
        assertThat(m.urlList()).containsExactly("http://seed.example/movie.mkv");
        assertThat(m.infoHash().bytes()).isEqualTo(sha1(Bencode.encode(info)));
        assertThat(m.infoHash().hex()).hasSize(40).isLowerCase();
    }

    @Test
    void multiFileTorrentHasFilesAtTheirOffsets() {
        Metainfo m = Metainfo.parse(torrent(multiInfo(file(10, "a", "one"), file(0, "empty"), file(20_000, "b", "c", "ñ.txt")).build()));
        assertThat(m.info().multiFile()).isTrue();
        assertThat(m.info().files()).containsExactly(
                new TorrentFile(List.of("a", "one"), 10, 0),
                new TorrentFile(List.of("empty"), 0, 10),
                new TorrentFile(List.of("b", "c", "ñ.txt"), 20_000, 10));
        assertThat(m.info().totalLength()).isEqualTo(20_010);
        assertThat(m.info().files().get(2).joinedPath()).isEqualTo("b/c/ñ.txt");
        assertThat(m.trackerTiers()).containsExactly(List.of("http://127.0.0.1:6969/announce"));
    }

    @Test
    void infoHashIsOverTheOriginalBytesEvenWithUnknownKeys() throws Exception {
        BDict info = BDict.builder().put("name", "x").put("piece length", 16384).put("length", 5)
                .put("pieces", hashes(1)).put("source", "private-tracker").put("zz-unknown", BList.of()).build();
        byte[] original = Bencode.encode(info);
        Metainfo m = Metainfo.parse(torrent(info));
        assertThat(m.infoBytes()).isEqualTo(original);
        assertThat(m.infoHash().bytes()).isEqualTo(sha1(original));
        // A re-encoding of what we understood would drop the unknown keys and change the hash.
        byte[] reencoded = Bencode.encode(TorrentBuilder.infoDict(m.info()));
        assertThat(reencoded).isNotEqualTo(original);
        assertThat(m.infoHash().bytes()).isNotEqualTo(sha1(reencoded));
    }

    @Test
    void encodeRoundTripKeepsInfoHashAndFields() {
        BDict info = multiInfo(file(100, "a"), file(50_000, "b")).put("x-extra", "kept").build();
        byte[] bytes = Bencode.encode(BDict.builder()
                .put("announce", "http://a/announce")
                .put("announce-list", BList.of(BList.of(BBytes.of("http://a/announce")), BList.of(BBytes.of("http://b/announce"))))
                .put("comment", "c").put("created by", "me").put("creation date", 5)
                .put("url-list", BList.of(BBytes.of("http://w/1"), BBytes.of("http://w/2")))
                .put("info", info).build());
        Metainfo m = Metainfo.parse(bytes);
        byte[] again = m.encode();
        assertThat(again).isEqualTo(bytes);
        Metainfo back = Metainfo.parse(again);
        assertThat(back.infoHash()).isEqualTo(m.infoHash());
        assertThat(back.announceList()).isEqualTo(m.announceList());
        assertThat(back.urlList()).containsExactly("http://w/1", "http://w/2");
        assertThat(back.creationDate()).isEqualTo(5L);
    }

    @Test
    void infoHashHasHexAndUrlEncodedForms() {
        InfoHash h = InfoHash.of(new byte[] {0x00, 0x1f, 'a', 'Z', '-', '.', '_', '~', (byte) 0xff, ' ',
                1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        assertThat(h.hex()).isEqualTo("001f615a2d2e5f7eff200102030405060708090a");
        assertThat(h.urlEncoded()).isEqualTo("%00%1FaZ-._~%FF%20%01%02%03%04%05%06%07%08%09%0A");
        assertThat(InfoHash.fromHex(h.hex().toUpperCase())).isEqualTo(h);
        assertThat(InfoHash.fromBase32(h.base32())).isEqualTo(h);
    }

    private static void assertRefused(byte[] torrent, String message) {
        assertThatThrownBy(() -> Metainfo.parse(torrent)).isInstanceOf(MetainfoException.class).hasMessageContaining(message);
    }

    @Test
    void twoFilesWithTheSamePathAreRefused() {
        assertRefused(torrent(multiInfo(file(1, "a", "b"), file(2, "c"), file(3, "a", "b")).build()),
                "files[0] and files[2] have the same path \"a/b\"");
    }

    @Test
    void aPathThatIsBothAFileAndAFolderIsRefused() {
        assertRefused(torrent(multiInfo(file(1, "a"), file(2, "a", "b")).build()),
                "\"a\" is a file (files[0]) and a folder (files[1])");
        assertRefused(torrent(multiInfo(file(2, "x", "y", "z"), file(1, "x", "y")).build()),
                "\"x/y\" is a file (files[1]) and a folder (files[0])");
    }

    @Test
    void filesSharingAFolderAreAccepted() {
        Metainfo m = Metainfo.parse(torrent(multiInfo(file(1, "a", "b"), file(2, "a", "c"), file(3, "ab")).build()));
        assertThat(m.info().files()).hasSize(3);
    }

    @Test
    void dotDotComponentIsRefused() {
        assertRefused(torrent(multiInfo(file(1, "a", "..", "etc")).build()), "unsafe path in files[0].path: path component \"..\"");
    }

    @Test
    void aVeryDeepPathIsCheckedForClashesInLinearTime() {
        // Comparing every folder prefix of a path as a list is quadratic in its depth: a 2 MB torrent
        // of one 300,000-component path would hold a worker for minutes.
        String[] deep = new String[300_000];
        java.util.Arrays.fill(deep, "d");
        long start = System.nanoTime();
        Metainfo m = Metainfo.parse(torrent(multiInfo(file(1, deep), file(1, "e")).build()));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(m.info().files().get(0).path()).hasSize(deep.length);
        assertThat(millis).as("milliseconds to parse").isLessThan(15_000);
        deep[deep.length - 1] = "e";
        assertRefused(torrent(multiInfo(file(1, deep), file(1, java.util.Arrays.copyOf(deep, deep.length - 1))).build()),
                "is a file (files[1]) and a folder (files[0])");
    }

    @Test
    void paddingFilesMayShareAPathButNotWithARealFile() {
        BDict pad = BDict.builder().put("attr", "p").put("length", 16383).put("path", BList.of(BBytes.of(".pad"), BBytes.of("16383"))).build();
        Metainfo m = Metainfo.parse(torrent(multiInfo(file(1, "a"), pad, file(1, "b"), pad, file(1, "c")).build()));
        assertThat(m.info().files()).hasSize(5);
        assertRefused(torrent(multiInfo(file(1, "a"), pad, file(16383, ".pad", "16383")).build()), "have the same path \".pad/16383\"");
    }

    @Test
    void dotComponentIsRefused() {
        assertRefused(torrent(multiInfo(file(1, ".", "a")).build()), "path component \".\"");
    }

    @Test
    void emptyComponentIsRefused() {
        assertRefused(torrent(multiInfo(file(1, "a", "")).build()), "empty path component");
    }

    @Test
    void emptyPathIsRefused() {
        assertRefused(torrent(multiInfo(file(1)).build()), "empty path");
    }

    @Test
    void absolutePathOrSeparatorInsideComponentIsRefused() {
        assertRefused(torrent(multiInfo(file(1, "/etc", "passwd")).build()), "path separator");
        assertRefused(torrent(multiInfo(file(1, "a\\..\\b")).build()), "path separator");
    }

    @Test
    void nulInComponentIsRefused() {
        assertRefused(torrent(multiInfo(file(1, "a\0b")).build()), "NUL");
    }

    @Test
    void driveLetterIsRefused() {
        assertRefused(torrent(multiInfo(file(1, "C:", "x")).build()), "drive letter");
    }

    @Test
    void unsafeNameIsRefused() {
        assertRefused(torrent(BDict.builder().put("name", "..").put("piece length", 16384).put("length", 1)
                .put("pieces", hashes(1)).build()), "unsafe path in name");
    }

    @Test
    void pieceCountMismatchIsRefused() {
        BDict info = BDict.builder().put("name", "x").put("piece length", 16384).put("length", 16385)
                .put("pieces", hashes(1)).build();
        assertRefused(torrent(info), "1 piece hashes for 16385 bytes in pieces of 16384 (expected 2)");
    }

    @Test
    void theLargestLengthIsRefusedWithTheTruePieceCount() {
        // Long.MAX_VALUE bytes make 2^49 pieces of 16 KiB; rounding up must not overflow into a negative count.
        BDict info = BDict.builder().put("name", "x").put("piece length", 16384).put("length", Long.MAX_VALUE)
                .put("pieces", hashes(1)).build();
        assertRefused(torrent(info), "in pieces of 16384 (expected " + (1L << 49) + ")");
    }

    @Test
    void piecesNotAMultipleOfTwentyIsRefused() {
        BDict info = BDict.builder().put("name", "x").put("piece length", 16384).put("length", 1)
                .put("pieces", new byte[19]).build();
        assertRefused(torrent(info), "not a multiple of 20");
    }

    @Test
    void bothLengthAndFilesIsRefused() {
        assertRefused(torrent(multiInfo(file(1, "a")).put("length", 1).build()), "both length and files");
    }

    @Test
    void neitherLengthNorFilesIsRefused() {
        assertRefused(torrent(BDict.builder().put("name", "x").put("piece length", 16384).put("pieces", hashes(1)).build()),
                "neither a length nor a files list");
    }

    @Test
    void missingInfoIsRefused() {
        assertRefused(Bencode.encode(BDict.builder().put("announce", "x").build()), "no info dictionary");
    }

    @Test
    void malformedBencodeNamesTheOffset() {
        byte[] good = torrent(multiInfo(file(1, "a")).build());
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 1);
        assertThatThrownBy(() -> Metainfo.parse(truncated)).isInstanceOf(MetainfoException.class)
                .hasMessageStartingWith("malformed torrent: bencode error at byte " + truncated.length);
        assertRefused("not bencode".getBytes(StandardCharsets.US_ASCII), "bencode error at byte 0: unexpected byte 'n'");
    }

    @Test
    void badPieceLengthIsRefused() {
        assertRefused(torrent(BDict.builder().put("name", "x").put("piece length", 0).put("length", 1)
                .put("pieces", hashes(1)).build()), "piece length");
    }

    // ---- file layout ----

    @Test
    void slicesSpanFilesAndSkipEmptyOnes() {
        FileLayout layout = new FileLayout(List.of(
                new TorrentFile(List.of("a"), 10, 0),
                new TorrentFile(List.of("e1"), 0, 10),
                new TorrentFile(List.of("b"), 5, 10),
                new TorrentFile(List.of("e2"), 0, 15),
                new TorrentFile(List.of("e3"), 0, 15),
                new TorrentFile(List.of("c"), 20, 15)));
        assertThat(layout.slices(8, 10)).containsExactly(
                new FileLayout.Slice(0, 8, 2), new FileLayout.Slice(2, 0, 5), new FileLayout.Slice(5, 0, 3));
        assertThat(layout.slices(10, 5)).containsExactly(new FileLayout.Slice(2, 0, 5));
        assertThat(layout.slices(15, 20)).containsExactly(new FileLayout.Slice(5, 0, 20));
        assertThat(layout.slices(0, 35)).extracting(FileLayout.Slice::fileIndex).containsExactly(0, 2, 5);
        assertThat(layout.slices(34, 1)).containsExactly(new FileLayout.Slice(5, 19, 1));
        assertThat(layout.slices(35, 0)).isEmpty();
        assertThatThrownBy(() -> layout.slices(30, 6)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> layout.slices(-1, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void piecesOfAParsedTorrentMapToTheirFiles() {
        Metainfo m = Metainfo.parse(torrent(multiInfo(file(10_000, "a"), file(0, "b"), file(30_000, "c")).build()));
        FileLayout layout = m.info().layout();
        // Piece 0 (16384 bytes) = all of a + first 6384 bytes of c; piece 2 is the short tail.
        assertThat(layout.slices(0, m.info().pieceSize(0))).containsExactly(
                new FileLayout.Slice(0, 0, 10_000), new FileLayout.Slice(2, 0, 6384));
        assertThat(layout.slices(2L * 16384, m.info().pieceSize(2))).containsExactly(
                new FileLayout.Slice(2, 32768 - 10_000, 40_000 - 32768));
    }
}
