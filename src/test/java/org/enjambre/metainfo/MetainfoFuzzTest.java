package org.enjambre.metainfo;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.enjambre.bencode.BBytes;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.BList;
import org.enjambre.bencode.Bencode;
import org.enjambre.bencode.BencodeException;
import org.enjambre.storage.TorrentStorage;
import org.enjambre.storage.UnsafePathException;
import org.enjambre.testutil.FuzzCorpus;
import org.junit.jupiter.api.Test;

/**
 * Fuzz target {@code metainfo}: a {@code .torrent} from anyone is parsed or refused with a
 * {@link MetainfoException} (caused, if at all, by a {@link BencodeException}); what is accepted
 * is self-consistent, re-encodes to the same torrent, names no path that leaves the download folder
 * or two files at one path (nor a file where another needs a folder), and its file layout maps
 * every byte range to slices that add up.
 */
class MetainfoFuzzTest {
    static final String TARGET = "metainfo";
    /** Never created: opening a storage only resolves paths, it writes nothing. */
    private static final Path ROOT = Path.of("/nonexistent/enjambre-fuzz/downloads").toAbsolutePath();

    static void check(byte[] input) throws Exception {
        Metainfo m;
        try {
            m = Metainfo.parse(input);
        } catch (MetainfoException e) {
            assertThat(e.getMessage()).isNotBlank();
            if (e.getCause() != null) {
                assertThat(e.getCause()).isInstanceOf(BencodeException.class);
            }
            return;
        }
        Info info = m.info();
        assertThat(info.pieceCount()).isEqualTo((info.totalLength() + info.pieceLength() - 1) / info.pieceLength());
        assertThat(MessageDigest.getInstance("SHA-1").digest(m.infoBytes())).isEqualTo(m.infoHash().bytes());
        Metainfo again = Metainfo.parse(m.encode());
        assertThat(again.infoHash()).isEqualTo(m.infoHash());
        assertThat(again.info().files()).isEqualTo(info.files());
        assertThat(again.trackerTiers()).isEqualTo(m.trackerTiers());

        assertPathsDistinctAndInside(info, padding(input));
        assertLayoutCoversEveryRange(info, new Random(Arrays.hashCode(input)));
    }

    /** Which files are BEP 47 padding files ({@code attr} holds {@code p}), read from the raw torrent. */
    private static BitSet padding(byte[] input) {
        BitSet out = new BitSet();
        if (Bencode.parse(input) instanceof BDict root && root.get("info") instanceof BDict info
                && info.get("files") instanceof BList files) {
            for (int i = 0; i < files.size(); i++) {
                if (files.get(i) instanceof BDict f && f.get("attr") instanceof BBytes attr && attr.latin1().contains("p")) {
                    out.set(i);
                }
            }
        }
        return out;
    }

    private static void assertPathsDistinctAndInside(Info info, BitSet padding) {
        Map<List<String>, Integer> files = new HashMap<>();
        Set<List<String>> folders = new HashSet<>();
        for (int index = 0; index < info.files().size(); index++) {
            List<String> path = info.files().get(index).path();
            PathSafety.checkComponents(path, "accepted file");
            Integer other = files.putIfAbsent(path, index);
            if (other != null) {
                assertThat(padding.get(index) && padding.get(other)).as("two files at %s", path).isTrue();
            }
            for (int i = 1; i < path.size(); i++) {
                folders.add(path.subList(0, i));
            }
        }
        for (List<String> path : files.keySet()) {
            assertThat(folders).as("a file at %s, where another file needs a folder", path).doesNotContain(path);
        }
        try (TorrentStorage storage = TorrentStorage.open(info, ROOT)) {
            // Path.startsWith on purpose: AssertJ's would resolve the (absent) folder on disk.
            Path content = storage.contentPath();
            assertThat(content.startsWith(ROOT) && !content.equals(ROOT)).as("%s inside %s", content, ROOT).isTrue();
            for (int i = 0; i < info.files().size(); i++) {
                Path p = storage.filePath(i);
                assertThat(p.normalize()).isEqualTo(p);
                assertThat(p.startsWith(content)).as("%s inside %s", p, content).isTrue();
            }
        } catch (UnsafePathException e) {
            // The storage's own check may refuse what the parser let through: a refusal, not an escape.
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    private static void assertLayoutCoversEveryRange(Info info, Random random) {
        FileLayout layout = info.layout();
        long total = info.totalLength();
        for (int round = 0; round < 8; round++) {
            long offset = total == 0 ? 0 : Math.floorMod(random.nextLong(), total + 1);
            int length = (int) Math.min(total - offset, random.nextInt(1 << random.nextInt(21)));
            List<FileLayout.Slice> slices = layout.slices(offset, length);
            long position = offset;
            long sum = 0;
            for (FileLayout.Slice s : slices) {
                TorrentFile f = info.files().get(s.fileIndex());
                assertThat(s.length()).isPositive();
                assertThat(s.fileOffset()).isBetween(0L, f.length() - s.length());
                assertThat(f.offset() + s.fileOffset()).as("slices are contiguous").isEqualTo(position);
                position += s.length();
                sum += s.length();
            }
            assertThat(sum).isEqualTo(length);
        }
        if (info.pieceCount() > 0) {
            int last = info.pieceCount() - 1;
            assertThat(info.pieceSize(last)).isBetween(1, info.pieceLength());
        }
    }

    @FuzzTest
    void torrentFile(byte[] input) throws Exception {
        check(input);
    }

    @Test
    void everySeedTorrentParsesSafelyOrIsRefusedWithAMetainfoException() {
        FuzzCorpus.replay(TARGET, MetainfoFuzzTest::check);
    }

    @Test
    void mutatedSeedTorrentsParseSafelyOrAreRefusedWithAMetainfoException() {
        int tried = FuzzCorpus.mutate(TARGET, 20261124L, 5_000,
                FuzzCorpus.tokens("4:path", "l2:..e", "l1:.e", "l0:e", "1:/", "2:a/", "2:C:", "1:\u0000", "6:lengthi0e",
                        "6:lengthi-1e", "5:filesl", "d6:lengthi1e4:pathl1:aee", "d6:lengthi1e4:pathl1:a1:bee",
                        "12:piece lengthi16384e", "6:pieces20:", "4:name", "7:privatei1e"),
                MetainfoFuzzTest::check);
        assertThat(tried).isPositive();
    }
}
