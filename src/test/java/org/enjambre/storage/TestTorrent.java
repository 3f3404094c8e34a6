package org.enjambre.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.enjambre.metainfo.Info;
import org.enjambre.metainfo.TorrentFile;

/** A torrent made in memory for tests: random content, its files, and its real piece hashes. */
final class TestTorrent {
    final Info info;
    final byte[] content;

    private TestTorrent(Info info, byte[] content) {
        this.info = info;
        this.content = content;
    }

    /** One file called {@code name} of {@code length} random bytes. */
    static TestTorrent singleFile(String name, int length, int pieceLength, long seed) {
        byte[] content = random(length, seed);
        List<TorrentFile> files = List.of(new TorrentFile(List.of(name), length, 0));
        return new TestTorrent(new Info(name, pieceLength, hashes(content, pieceLength), files, false, false), content);
    }

    /** A folder {@code name} with files {@code paths[i]} (slash-separated) of {@code lengths[i]} random bytes. */
    static TestTorrent multiFile(String name, String[] paths, int[] lengths, int pieceLength, long seed) {
        int total = Arrays.stream(lengths).sum();
        byte[] content = random(total, seed);
        List<TorrentFile> files = new ArrayList<>();
        long offset = 0;
        for (int i = 0; i < paths.length; i++) {
            files.add(new TorrentFile(List.of(paths[i].split("/")), lengths[i], offset));
            offset += lengths[i];
        }
        return new TestTorrent(new Info(name, pieceLength, hashes(content, pieceLength), files, true, false), content);
    }

    /** The bytes of piece {@code piece}. */
    byte[] piece(int piece) {
        int start = piece * info.pieceLength();
        return Arrays.copyOfRange(content, start, start + info.pieceSize(piece));
    }

    /** The expected bytes of file {@code fileIndex}. */
    byte[] fileContent(int fileIndex) {
        TorrentFile f = info.files().get(fileIndex);
        return Arrays.copyOfRange(content, (int) f.offset(), (int) f.end());
    }

    /** Writes every file's expected content directly (as a finished download or a seeder's data would be). */
    void writeAllFiles(TorrentStorage storage) throws IOException {
        for (int i = 0; i < info.files().size(); i++) {
            Path p = storage.filePath(i);
            Files.createDirectories(p.getParent());
            Files.write(p, fileContent(i));
        }
    }

    /** Writes every piece through the storage in blocks of {@code blockSize}, in a shuffled order. */
    void writeAllBlocksShuffled(TorrentStorage storage, int blockSize, long seed) throws IOException {
        List<int[]> blocks = blocks(blockSize);
        java.util.Collections.shuffle(blocks, new Random(seed));
        for (int[] b : blocks) {
            storage.writeBlock(b[0], b[1], Arrays.copyOfRange(content, b[0] * info.pieceLength() + b[1],
                    b[0] * info.pieceLength() + b[1] + b[2]));
        }
    }

    /** Every block as {piece, begin, length}. */
    List<int[]> blocks(int blockSize) {
        List<int[]> out = new ArrayList<>();
        for (int p = 0; p < info.pieceCount(); p++) {
            int size = info.pieceSize(p);
            for (int begin = 0; begin < size; begin += blockSize) {
                out.add(new int[] {p, begin, Math.min(blockSize, size - begin)});
            }
        }
        return out;
    }

    static byte[] random(int length, long seed) {
        byte[] out = new byte[length];
        new Random(seed).nextBytes(out);
        return out;
    }

    static byte[] hashes(byte[] content, int pieceLength) {
        int count = (content.length + pieceLength - 1) / pieceLength;
        byte[] out = new byte[count * 20];
        for (int p = 0; p < count; p++) {
            MessageDigest md = TorrentStorage.sha1();
            md.update(content, p * pieceLength, Math.min(pieceLength, content.length - p * pieceLength));
            System.arraycopy(md.digest(), 0, out, p * 20, 20);
        }
        return out;
    }
}
