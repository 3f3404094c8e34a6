package org.enjambre.swarm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.enjambre.bencode.BBytes;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.BInt;
import org.enjambre.bencode.BList;
import org.enjambre.bencode.BValue;
import org.enjambre.bencode.Bencode;
import org.enjambre.metainfo.Metainfo;

/**
 * Test data: random files and the v1 {@code .torrent} of them, made here with plain bencode so
 * that the engine's tests depend on nothing but the parser.
 */
public final class TestTorrents {
    private TestTorrents() {
    }

    /**
     * What a test seeder speaking the wire protocol sends first: its handshake, a bitfield with
     * every piece, and an unchoke.
     */
    public static byte[] seedGreeting(Metainfo metainfo, byte[] peerId) {
        int pieces = metainfo.info().pieceCount();
        byte[] all = new byte[(pieces + 7) / 8];
        for (int i = 0; i < pieces; i++) {
            all[i >>> 3] |= (byte) (0x80 >>> (i & 7));
        }
        // BEP 10 but not the fast extension: a plain bitfield is what this peer says it has
        return org.enjambre.wire.Handshake.withBits(java.util.Set.of(org.enjambre.wire.ReservedBit.EXTENSION_PROTOCOL),
                        metainfo.infoHash().bytes(), peerId).encode()
                .appendBuffer(org.enjambre.wire.MessageEncoder.encode(new org.enjambre.wire.Message.Bitfield(all)))
                .appendBuffer(org.enjambre.wire.MessageEncoder.encode(org.enjambre.wire.Message.Unchoke.INSTANCE))
                .getBytes();
    }

    /** Writes {@code size} random bytes (seeded, so reproducible) to {@code file}. */
    public static Path randomFile(Path file, long size, long seed) throws IOException {
        Files.createDirectories(file.getParent());
        Random random = new Random(seed);
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            long left = size;
            while (left > 0) {
                random.nextBytes(chunk);
                int n = (int) Math.min(chunk.length, left);
                out.write(chunk, 0, n);
                left -= n;
            }
        }
        return file;
    }

    /**
     * The torrent of {@code content} (a file, or a folder whose files are taken in sorted path
     * order), written to {@code torrentFile}.
     */
    public static Metainfo create(Path content, int pieceLength, Path torrentFile, String announce) throws Exception {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(content)) {
            try (var walk = Files.walk(content)) {
                walk.filter(Files::isRegularFile).sorted().forEach(files::add);
            }
        } else {
            files.add(content);
        }
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        java.io.ByteArrayOutputStream hashes = new java.io.ByteArrayOutputStream();
        byte[] piece = new byte[pieceLength];
        int filled = 0;
        List<BValue> fileList = new ArrayList<>();
        for (Path f : files) {
            try (InputStream in = Files.newInputStream(f)) {
                int n;
                while ((n = in.read(piece, filled, pieceLength - filled)) > 0) {
                    filled += n;
                    if (filled == pieceLength) {
                        hashes.write(sha1.digest(piece));
                        filled = 0;
                    }
                }
            }
            List<BValue> path = new ArrayList<>();
            for (Path part : content.relativize(f)) {
                path.add(BBytes.of(part.toString()));
            }
            fileList.add(BDict.builder().put("length", Files.size(f)).put("path", new BList(path)).build());
        }
        if (filled > 0) {
            sha1.update(piece, 0, filled);
            hashes.write(sha1.digest());
        }
        BDict.Builder info = BDict.builder().put("name", content.getFileName().toString())
                .put("piece length", pieceLength).put("pieces", hashes.toByteArray());
        if (Files.isDirectory(content)) {
            info.put("files", new BList(fileList));
        } else {
            info.put("length", new BInt(Files.size(content)));
        }
        BDict.Builder root = BDict.builder().put("info", info.build());
        if (announce != null) {
            root.put("announce", announce);
        }
        byte[] bytes = Bencode.encode(root.build());
        Files.write(torrentFile, bytes);
        return Metainfo.parse(bytes);
    }
}
