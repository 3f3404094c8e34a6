package org.enjambre.metainfo;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.LongConsumer;
import org.enjambre.bencode.BBytes;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.BList;
import org.enjambre.bencode.BValue;
import org.enjambre.bencode.Bencode;
import org.enjambre.hash.Sha1Pieces;

/**
 * Makes a v1 {@code .torrent} from a file or a folder: lists the files in a stable order, hashes
 * every piece with SHA-1, and returns the {@link Metainfo} ({@link Metainfo#encode()} gives the bytes).
 *
 * <pre>{@code
 * Metainfo m = TorrentBuilder.forPath(Path.of("photos"))
 *         .trackers(List.of("http://tracker.example:6969/announce"))
 *         .comment("holidays")
 *         .build();
 * Files.write(Path.of("photos.torrent"), m.encode());
 * }</pre>
 *
 * <p>Files of a folder are ordered by their path components compared as raw UTF-8 bytes, so the
 * same folder always gives the same torrent on any machine; empty files are kept. Symbolic links
 * to files inside the folder are followed; links that point outside it, links to folders, special
 * files and names that cannot be shared safely ({@link PathSafety}, not valid UTF-8) are refused
 * with a {@link MetainfoException} that names the file.
 *
 * <p>Hashing runs on one thread per core (the calling thread is one of them), as {@link PieceHasher}
 * says. {@link #build()} blocks: call it on a worker thread, never on an event loop.
 */
public final class TorrentBuilder {
    /** Smallest piece length: one 16 KiB block, the unit peers request. */
    public static final int MIN_PIECE_LENGTH = 16 * 1024;
    /** Largest piece length chosen automatically. */
    public static final int MAX_AUTO_PIECE_LENGTH = 16 * 1024 * 1024;
    /** Automatic piece length: the smallest power of two that keeps the count at or under this. */
    public static final int TARGET_MAX_PIECES = 2000;
    /** Deepest folder nesting walked; deeper trees are refused rather than overflowing the stack. */
    static final int MAX_FOLDER_DEPTH = 256;

    private final Path path;
    private Integer pieceLength;
    private List<String> trackers = List.of();
    private List<String> webSeeds = List.of();
    private String comment;
    private boolean isPrivate;
    private String name;
    private String createdBy = defaultCreatedBy();
    private Long creationDate;
    private boolean creationDateSet;
    private int threads = Runtime.getRuntime().availableProcessors();
    private LongConsumer progress = bytes -> { };

    private TorrentBuilder(Path path) {
        this.path = Objects.requireNonNull(path, "path");
    }

    /** A builder for the torrent of a file (single-file torrent) or a folder (multi-file torrent). */
    public static TorrentBuilder forPath(Path path) {
        return new TorrentBuilder(path);
    }

    /** {@code Enjambre/<version>}, the {@code created by} written unless told otherwise. */
    public static String defaultCreatedBy() {
        String v = TorrentBuilder.class.getPackage() == null ? null : TorrentBuilder.class.getPackage().getImplementationVersion();
        return "Enjambre/" + (v == null ? "dev" : v);
    }

    /** A power of two, at least {@link #MIN_PIECE_LENGTH}; without it one is chosen from the size. */
    public TorrentBuilder pieceLength(int bytes) {
        if (bytes < MIN_PIECE_LENGTH || Integer.bitCount(bytes) != 1 || bytes > Metainfo.MAX_PIECE_LENGTH) {
            throw new MetainfoException("piece size must be a power of two from " + MIN_PIECE_LENGTH
                    + " to " + Metainfo.MAX_PIECE_LENGTH + " bytes, got " + bytes);
        }
        this.pieceLength = bytes;
        return this;
    }

    /** Tracker URLs: the first is {@code announce}; with several, {@code announce-list} has one tier each (BEP 12). */
    public TorrentBuilder trackers(List<String> urls) {
        for (String url : urls) {
            checkUrl(url, "tracker");
        }
        this.trackers = List.copyOf(urls);
        return this;
    }

    /** BEP 19 web seeds ({@code url-list}). */
    public TorrentBuilder webSeeds(List<String> urls) {
        for (String url : urls) {
            checkUrl(url, "web seed");
        }
        this.webSeeds = List.copyOf(urls);
        return this;
    }

    public TorrentBuilder comment(String comment) {
        this.comment = comment == null || comment.isEmpty() ? null : comment;
        return this;
    }

    /** BEP 27: peers only from the torrent's trackers (no DHT, no PEX). */
    public TorrentBuilder privateFlag(boolean isPrivate) {
        this.isPrivate = isPrivate;
        return this;
    }

    /** The torrent's name instead of the file or folder's own name; must be one safe path component. */
    public TorrentBuilder name(String name) {
        if (name != null) {
            PathSafety.checkComponent(name, "name");
        }
        this.name = name;
        return this;
    }

    /** The {@code created by} field; {@code null} leaves it out. Default {@link #defaultCreatedBy()}. */
    public TorrentBuilder createdBy(String createdBy) {
        this.createdBy = createdBy;
        return this;
    }

    /** Seconds since the epoch; {@code null} leaves it out. Default: the time of {@link #build()}. */
    public TorrentBuilder creationDate(Long epochSeconds) {
        this.creationDate = epochSeconds;
        this.creationDateSet = true;
        return this;
    }

    /** Hashing threads (default: the number of cores); 1 hashes on the calling thread. */
    public TorrentBuilder threads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1");
        }
        this.threads = threads;
        return this;
    }

    /** Called with the number of content bytes hashed so far, from the hashing threads (so it must be thread-safe). */
    public TorrentBuilder progress(LongConsumer bytesRead) {
        this.progress = Objects.requireNonNull(bytesRead);
        return this;
    }

    /** The piece length chosen for {@code totalLength} bytes when none is given: 1,000 to 2,000 pieces when possible. */
    public static int autoPieceLength(long totalLength) {
        int length = MIN_PIECE_LENGTH;
        while (length < MAX_AUTO_PIECE_LENGTH && Info.pieceCountFor(totalLength, length) > TARGET_MAX_PIECES) {
            length <<= 1;
        }
        return length;
    }

    /** Lists and hashes the content and returns the torrent. Blocks for as long as reading takes. */
    public Metainfo build() throws IOException {
        Path absolute = path.toAbsolutePath().normalize();
        if (!Files.exists(absolute)) {
            throw new NoSuchFileException(path.toString());
        }
        Path realRoot = absolute.toRealPath();
        String torrentName = name;
        if (torrentName == null) {
            // The name the user gave (a link's own name, not its target's), as other tools do.
            Path fileName = absolute.getFileName() != null ? absolute.getFileName() : realRoot.getFileName();
            if (fileName == null) {
                throw new MetainfoException(path + ": cannot make a torrent of the file system root; give a name");
            }
            torrentName = fileName.toString();
            checkName(torrentName, path);
        }

        List<Source> sources = new ArrayList<>();
        boolean multiFile = Files.isDirectory(realRoot);
        if (multiFile) {
            walk(realRoot, realRoot, new ArrayList<>(), sources, 0);
            if (sources.isEmpty()) {
                throw new MetainfoException(path + ": the folder has no files to share");
            }
            // UTF-8 bytes computed once per file, not once per comparison (folders may hold 100,000 files).
            List<byte[][]> keys = new ArrayList<>(sources.size());
            for (Source source : sources) {
                keys.add(utf8(source.components()));
            }
            Integer[] order = new Integer[sources.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (x, y) -> compareKeys(keys.get(x), keys.get(y)));
            List<Source> sorted = new ArrayList<>(sources.size());
            for (int i : order) {
                sorted.add(sources.get(i));
            }
            sources = sorted;
        } else if (Files.isRegularFile(realRoot)) {
            sources.add(new Source(realRoot, List.of(torrentName), Files.size(realRoot)));
        } else {
            throw new MetainfoException(path + ": not a regular file or a folder");
        }

        List<TorrentFile> files = new ArrayList<>(sources.size());
        long offset = 0;
        for (Source s : sources) {
            files.add(new TorrentFile(s.components(), s.length(), offset));
            offset += s.length();
        }
        long total = offset;
        if (total == 0) {
            throw new MetainfoException(path + ": nothing to share, every file is empty");
        }
        int pl = pieceLength != null ? pieceLength : autoPieceLength(total);
        long pieceCount = Info.pieceCountFor(total, pl);
        if (pieceCount * Info.HASH_LENGTH > Metainfo.MAX_TORRENT_BYTES - 1024L * 1024) {
            throw new MetainfoException(path + ": " + pieceCount + " pieces of " + pl
                    + " bytes would make the .torrent too large; choose a larger piece size");
        }

        List<PieceHasher.Source> content = new ArrayList<>(sources.size());
        for (Source s : sources) {
            content.add(new PieceHasher.Source(s.file(), s.length()));
        }
        byte[] hashes = PieceHasher.hash(content, pl, threads, progress);
        Info info = new Info(torrentName, pl, hashes, files, multiFile, isPrivate);
        byte[] infoBytes = Bencode.encode(infoDict(info));
        List<List<String>> announceList = trackers.size() > 1
                ? trackers.stream().map(List::of).toList()
                : List.of();
        Long date = creationDateSet ? creationDate : Long.valueOf(System.currentTimeMillis() / 1000);
        // The info-hash from the engine that hashed the pieces (native or libcrypto, already linked):
        // the JDK's MessageDigest would run SHA-1 in the interpreter here, since create runs without C2.
        byte[] infoHash = new byte[InfoHash.LENGTH];
        Sha1Pieces.create().digest(ByteBuffer.wrap(infoBytes), infoBytes.length, infoHash, 0);
        return new Metainfo(infoBytes, InfoHash.of(infoHash), info, trackers.isEmpty() ? null : trackers.get(0), announceList,
                comment, createdBy, date, webSeeds);
    }

    /** The canonical {@code info} dictionary of {@code info}. */
    static BDict infoDict(Info info) {
        BDict.Builder d = BDict.builder()
                .put("name", info.name())
                .put("piece length", info.pieceLength())
                .put("pieces", info.pieceHashes());
        if (info.multiFile()) {
            List<BValue> list = new ArrayList<>(info.files().size());
            for (TorrentFile f : info.files()) {
                list.add(BDict.builder()
                        .put("length", f.length())
                        .put("path", new BList(f.path().stream().<BValue>map(BBytes::of).toList()))
                        .build());
            }
            d.put("files", new BList(list));
        } else {
            d.put("length", info.totalLength());
        }
        if (info.isPrivate()) {
            d.put("private", 1);
        }
        return d.build();
    }

    /** A file to hash: where it is, its path inside the torrent, its length when listed. */
    private record Source(Path file, List<String> components, long length) {
    }

    private void walk(Path realRoot, Path dir, List<String> prefix, List<Source> out, int depth) throws IOException {
        if (depth > MAX_FOLDER_DEPTH) {
            throw new MetainfoException(dir + ": folders nested deeper than " + MAX_FOLDER_DEPTH);
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String component = entry.getFileName().toString();
                checkName(component, entry);
                List<String> components = new ArrayList<>(prefix);
                components.add(component);
                BasicFileAttributes attrs = Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (attrs.isSymbolicLink()) {
                    Path target;
                    try {
                        target = entry.toRealPath();
                    } catch (NoSuchFileException e) {
                        throw new MetainfoException(entry + ": symbolic link to nothing");
                    }
                    if (!target.startsWith(realRoot)) {
                        throw new MetainfoException(entry + ": symbolic link points outside " + realRoot + " (to " + target + ")");
                    }
                    if (!Files.isRegularFile(target)) {
                        throw new MetainfoException(entry + ": symbolic link to something other than a file is not followed");
                    }
                    out.add(new Source(target, components, Files.size(target)));
                } else if (attrs.isDirectory()) {
                    walk(realRoot, entry, components, out, depth + 1);
                } else if (attrs.isRegularFile()) {
                    out.add(new Source(entry, components, attrs.size()));
                } else {
                    throw new MetainfoException(entry + ": not a regular file (device, pipe or socket)");
                }
            }
        }
    }

    private static void checkName(String component, Path where) {
        if (component.indexOf('\uFFFD') >= 0) {
            throw new MetainfoException(where + ": the name is not valid UTF-8 (or the locale is not UTF-8; try LANG=C.UTF-8)");
        }
        try {
            PathSafety.checkComponent(component, where.toString());
        } catch (MetainfoException e) {
            throw new MetainfoException(e.getMessage());
        }
    }

    /** Lexicographic over components, each compared as unsigned UTF-8 bytes. */
    static int compareComponents(List<String> a, List<String> b) {
        return compareKeys(utf8(a), utf8(b));
    }

    private static byte[][] utf8(List<String> components) {
        byte[][] out = new byte[components.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = components.get(i).getBytes(StandardCharsets.UTF_8);
        }
        return out;
    }

    private static int compareKeys(byte[][] a, byte[][] b) {
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) {
            int c = Arrays.compareUnsigned(a[i], b[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.length, b.length);
    }

    private static void checkUrl(String url, String what) {
        try {
            URI uri = new URI(url);
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new MetainfoException("not a " + what + " URL (scheme://host...): " + url);
            }
        } catch (URISyntaxException | NullPointerException e) {
            throw new MetainfoException("not a " + what + " URL: " + url);
        }
    }
}
