package org.enjambre.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import org.enjambre.bencode.BBytes;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.BInt;
import org.enjambre.bencode.BList;
import org.enjambre.bencode.BValue;
import org.enjambre.bencode.Bencode;
import org.enjambre.bencode.BencodeException;
import org.enjambre.metainfo.InfoHash;

/**
 * What a restart needs so as not to check or download again what was verified: the verified pieces
 * and, for each file, its size and modification time when they were saved. Kept as a small bencoded
 * file, by default {@code downloadDir/.enjambre/<infohash>.resume}, replaced atomically (a temporary
 * file, forced to disk, then renamed), so a crash leaves the old or the new version, never half.
 *
 * <p>It is trusted only if every file still has the saved size and modification time: any change
 * (a file touched, truncated, replaced or deleted) and the caller rechecks the data instead. A
 * download writes its files continuously, so data saved mid-download and followed by more writes
 * (a crash) is distrusted and rechecked: slower to start, never wrong.
 *
 * @param infoHash  the torrent it belongs to
 * @param pieceCount pieces in the torrent
 * @param verified  pieces verified when saved
 * @param files     size and modification time of each file, in torrent order
 */
public record ResumeData(InfoHash infoHash, int pieceCount, BitSet verified, List<FileStamp> files) {
    /** Format of the file; a different number is not trusted. */
    public static final int VERSION = 1;
    /** Largest resume file read (a million pieces' bitfield plus thousands of files fit easily). */
    public static final int MAX_RESUME_BYTES = 16 * 1024 * 1024;
    /** Folder under the download folder that holds resume files. */
    public static final String FOLDER = ".enjambre";

    /** A file's size (-1 when missing) and modification time in nanoseconds since the epoch. */
    public record FileStamp(long size, long modifiedNanos) {
        public static final FileStamp MISSING = new FileStamp(-1, 0);
    }

    public ResumeData {
        verified = (BitSet) verified.clone();
        files = List.copyOf(files);
        if (pieceCount < 0 || verified.length() > pieceCount) {
            throw new IllegalArgumentException("verified pieces beyond the " + pieceCount + " pieces of the torrent");
        }
    }

    @Override
    public BitSet verified() {
        return (BitSet) verified.clone();
    }

    /** {@code downloadDir/.enjambre/<infohash hex>.resume}. */
    public static Path defaultPath(Path downloadDir, InfoHash infoHash) {
        return downloadDir.resolve(FOLDER).resolve(infoHash.hex() + ".resume");
    }

    /** The resume data of {@code storage} now: {@code verified} plus the files' current stamps. */
    public static ResumeData capture(InfoHash infoHash, TorrentStorage storage, BitSet verified) throws IOException {
        return new ResumeData(infoHash, storage.info().pieceCount(), verified, storage.fileStamps());
    }

    /** Whether every file of {@code storage} still has the size and modification time saved here. */
    public boolean matches(TorrentStorage storage) throws IOException {
        return pieceCount == storage.info().pieceCount() && files.equals(storage.fileStamps());
    }

    /** The bencoded form. */
    public byte[] encode() {
        List<BValue> stamps = new ArrayList<>(files.size());
        for (FileStamp f : files) {
            stamps.add(BList.of(new BInt(f.size()), new BInt(f.modifiedNanos())));
        }
        return Bencode.encode(BDict.builder()
                .put("version", VERSION)
                .put("info hash", infoHash.bytes())
                .put("piece count", pieceCount)
                .put("pieces", toBitfield(verified, pieceCount))
                .put("files", new BList(stamps))
                .build());
    }

    /** Parses the bencoded form; anything malformed is refused with the reason. */
    public static ResumeData decode(byte[] bytes) throws IOException {
        try {
            if (!(Bencode.parse(bytes) instanceof BDict d)) {
                throw new IOException("malformed resume data: not a dictionary");
            }
            if (!(d.get("version") instanceof BInt v) || v.value() != VERSION) {
                throw new IOException("resume data of an unknown version (this program writes " + VERSION + ")");
            }
            if (!(d.get("info hash") instanceof BBytes ih) || ih.length() != InfoHash.LENGTH) {
                throw new IOException("malformed resume data: no 20-byte info hash");
            }
            if (!(d.get("piece count") instanceof BInt pc) || pc.value() < 0 || pc.value() > Integer.MAX_VALUE) {
                throw new IOException("malformed resume data: no valid piece count");
            }
            int pieceCount = (int) pc.value();
            if (!(d.get("pieces") instanceof BBytes bits) || bits.length() != (pieceCount + 7) / 8) {
                throw new IOException("malformed resume data: bitfield missing or not " + ((pieceCount + 7) / 8) + " bytes");
            }
            BitSet verified = fromBitfield(bits.bytes(), pieceCount);
            if (!(d.get("files") instanceof BList list)) {
                throw new IOException("malformed resume data: no files list");
            }
            List<FileStamp> files = new ArrayList<>(list.size());
            for (BValue f : list.values()) {
                if (!(f instanceof BList pair) || pair.size() != 2
                        || !(pair.get(0) instanceof BInt size) || !(pair.get(1) instanceof BInt mtime)) {
                    throw new IOException("malformed resume data: a file entry is not [size, mtime]");
                }
                files.add(new FileStamp(size.value(), mtime.value()));
            }
            return new ResumeData(InfoHash.of(ih.bytes()), pieceCount, verified, files);
        } catch (BencodeException e) {
            throw new IOException("malformed resume data: " + e.getMessage(), e);
        }
    }

    /** Saves to {@code file} atomically: readers see the old or the new content, never a mix. */
    public void save(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(encode());
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Reads {@code file}: empty when there is none; malformed content is refused with the reason. */
    public static Optional<ResumeData> load(Path file) throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (size > MAX_RESUME_BYTES) {
            throw new IOException(file + ": " + size + " bytes is more than the " + MAX_RESUME_BYTES + "-byte limit for resume data");
        }
        try {
            return Optional.of(decode(Files.readAllBytes(file)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** How a restart learned which pieces are verified. */
    public record Outcome(BitSet verified, boolean trusted, String reason) {
        public Outcome {
            verified = (BitSet) verified.clone();
        }

        @Override
        public BitSet verified() {
            return (BitSet) verified.clone();
        }
    }

    /**
     * The verified pieces of {@code storage}: from the resume file at {@code file} when it belongs to
     * this torrent and every file matches it, else from a recheck of the data ({@code threads},
     * {@code progress} as in {@link TorrentStorage#recheck(int, RecheckProgress)}). The outcome says
     * which and why, for a log line.
     */
    public static Outcome loadOrRecheck(Path file, InfoHash infoHash, TorrentStorage storage, int threads,
                                        RecheckProgress progress) throws IOException, InterruptedException {
        String reason;
        try {
            Optional<ResumeData> saved = load(file);
            if (saved.isEmpty()) {
                reason = "no resume data";
            } else if (!saved.get().infoHash().equals(infoHash)) {
                reason = "resume data of another torrent";
            } else if (!saved.get().matches(storage)) {
                reason = "files changed since the resume data was saved";
            } else {
                return new Outcome(saved.get().verified, true, "resume data matches the files");
            }
        } catch (IOException e) {
            reason = e.getMessage();
        }
        return new Outcome(storage.recheck(threads, progress), false, reason + ": rechecked");
    }

    /** BEP 3 bitfield order: piece 0 is the high bit of the first byte. */
    static byte[] toBitfield(BitSet pieces, int pieceCount) {
        byte[] out = new byte[(pieceCount + 7) / 8];
        for (int i = pieces.nextSetBit(0); i >= 0 && i < pieceCount; i = pieces.nextSetBit(i + 1)) {
            out[i >>> 3] |= (byte) (0x80 >>> (i & 7));
        }
        return out;
    }

    static BitSet fromBitfield(byte[] bits, int pieceCount) throws IOException {
        BitSet out = new BitSet(pieceCount);
        for (int i = 0; i < bits.length * 8; i++) {
            if ((bits[i >>> 3] & (0x80 >>> (i & 7))) != 0) {
                if (i >= pieceCount) {
                    throw new IOException("malformed resume data: spare bits set in the bitfield");
                }
                out.set(i);
            }
        }
        return out;
    }
}
