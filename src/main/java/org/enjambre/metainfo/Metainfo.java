package org.enjambre.metainfo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

/**
 * A v1 {@code .torrent} (BEP 3): the {@link Info} plus the optional top-level fields kept as found
 * ({@code announce}, BEP 12 {@code announce-list}, {@code comment}, {@code created by},
 * {@code creation date}, BEP 19 {@code url-list}). The info-hash is the SHA-1 of the {@code info}
 * dictionary's bytes exactly as they were in the file.
 */
public final class Metainfo {
    /** Largest {@code .torrent} read: the hash list of a 1 TiB torrent in 1 MiB pieces is 20 MiB. */
    public static final int MAX_TORRENT_BYTES = 64 * 1024 * 1024;
    /** Largest piece length accepted from a torrent (libtorrent's limit is 128 MiB too). */
    public static final int MAX_PIECE_LENGTH = 128 * 1024 * 1024;

    private final byte[] infoBytes;
    private final Info info;
    private final InfoHash infoHash;
    private final String announce;
    private final List<List<String>> announceList;
    private final String comment;
    private final String createdBy;
    private final Long creationDate;
    private final List<String> urlList;

    Metainfo(byte[] infoBytes, Info info, String announce, List<List<String>> announceList,
             String comment, String createdBy, Long creationDate, List<String> urlList) {
        this(infoBytes, InfoHash.ofInfoBytes(infoBytes), info, announce, announceList, comment, createdBy, creationDate, urlList);
    }

    /** With the info-hash already computed from {@code infoBytes} (by the builder's own SHA-1 engine). */
    Metainfo(byte[] infoBytes, InfoHash infoHash, Info info, String announce, List<List<String>> announceList,
             String comment, String createdBy, Long creationDate, List<String> urlList) {
        this.infoBytes = infoBytes.clone();
        this.info = info;
        this.infoHash = infoHash;
        this.announce = announce;
        this.announceList = announceList.stream().map(List::copyOf).toList();
        this.comment = comment;
        this.createdBy = createdBy;
        this.creationDate = creationDate;
        this.urlList = List.copyOf(urlList);
    }

    /** Reads and parses a {@code .torrent} file. */
    public static Metainfo read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_TORRENT_BYTES) {
            throw new MetainfoException(file + ": " + size + " bytes is larger than the " + MAX_TORRENT_BYTES + "-byte limit for a .torrent");
        }
        try {
            return parse(Files.readAllBytes(file));
        } catch (MetainfoException e) {
            throw new MetainfoException(file + ": " + e.getMessage(), e);
        }
    }

    /** Parses the bytes of a {@code .torrent}; a malformed one is refused with the reason (and byte offset). */
    public static Metainfo parse(byte[] torrent) {
        if (torrent.length > MAX_TORRENT_BYTES) {
            throw new MetainfoException("larger than the " + MAX_TORRENT_BYTES + "-byte limit for a .torrent");
        }
        Bencode.Decoded decoded;
        try {
            decoded = Bencode.decode(torrent);
        } catch (BencodeException e) {
            throw new MetainfoException("malformed torrent: " + e.getMessage(), e);
        }
        if (!(decoded.root() instanceof BDict root)) {
            throw new MetainfoException("malformed torrent: the top level is not a dictionary");
        }
        if (!(root.get("info") instanceof BDict infoDict)) {
            throw new MetainfoException("malformed torrent: no info dictionary");
        }
        Info info = parseInfo(infoDict);
        return new Metainfo(decoded.rawBytes(infoDict), info,
                optionalText(root, "announce").orElse(null),
                announceList(root),
                optionalText(root, "comment").orElse(null),
                optionalText(root, "created by").orElse(null),
                root.get("creation date") instanceof BInt date ? date.value() : null,
                urlList(root));
    }

    /**
     * The torrent of a magnet link once its info dictionary came over ut_metadata: refused unless the
     * bytes hash to {@code infoHash} (nothing a peer sent is parsed before that), then read as any info
     * dictionary. The magnet's trackers become one tier each (BEP 12), as libtorrent does.
     */
    public static Metainfo fromMetadata(InfoHash infoHash, byte[] infoBytes, List<String> trackers) {
        if (!InfoHash.ofInfoBytes(infoBytes).equals(infoHash)) {
            throw new MetainfoException("metadata does not hash to the info-hash " + infoHash.hex());
        }
        Bencode.Decoded decoded;
        try {
            decoded = Bencode.decode(infoBytes);
        } catch (BencodeException e) {
            throw new MetainfoException("malformed info dictionary: " + e.getMessage(), e);
        }
        if (!(decoded.root() instanceof BDict infoDict)) {
            throw new MetainfoException("malformed info dictionary: not a dictionary");
        }
        Info info = parseInfo(infoDict);
        List<List<String>> tiers = trackers.size() > 1 ? trackers.stream().map(List::of).toList() : List.of();
        return new Metainfo(infoBytes, info, trackers.isEmpty() ? null : trackers.get(0), tiers, null, null, null,
                List.of());
    }

    /** Parses just an {@code info} dictionary (as fetched over ut_metadata for a magnet link). */
    public static Info parseInfo(BDict d) {
        String name = requiredText(d, "name");
        PathSafety.checkComponent(name, "name");
        if (!(d.get("piece length") instanceof BInt pl) || pl.value() <= 0 || pl.value() > MAX_PIECE_LENGTH) {
            throw new MetainfoException("malformed torrent: piece length missing or out of range (1.." + MAX_PIECE_LENGTH + ")");
        }
        int pieceLength = (int) pl.value();
        if (!(d.get("pieces") instanceof BBytes pieces) || pieces.length() % Info.HASH_LENGTH != 0) {
            throw new MetainfoException("malformed torrent: pieces missing or not a multiple of 20 bytes");
        }
        boolean isPrivate = d.get("private") instanceof BInt p && p.value() == 1;

        List<TorrentFile> files = new ArrayList<>();
        boolean multiFile;
        BValue length = d.get("length");
        BValue fileList = d.get("files");
        if (length != null && fileList != null) {
            throw new MetainfoException("malformed torrent: info has both length and files");
        }
        if (length instanceof BInt l) {
            if (l.value() < 0) {
                throw new MetainfoException("malformed torrent: negative length");
            }
            files.add(new TorrentFile(List.of(name), l.value(), 0));
            multiFile = false;
        } else if (fileList instanceof BList list) {
            if (list.size() == 0) {
                throw new MetainfoException("malformed torrent: empty files list");
            }
            long offset = 0;
            BitSet padding = new BitSet();
            for (int i = 0; i < list.size(); i++) {
                if (!(list.get(i) instanceof BDict f)) {
                    throw new MetainfoException("malformed torrent: files[" + i + "] is not a dictionary");
                }
                if (!(f.get("length") instanceof BInt fl) || fl.value() < 0) {
                    throw new MetainfoException("malformed torrent: files[" + i + "] has no valid length");
                }
                if (!(f.get("path") instanceof BList path)) {
                    throw new MetainfoException("malformed torrent: files[" + i + "] has no path list");
                }
                List<String> components = new ArrayList<>();
                for (BValue c : path.values()) {
                    if (!(c instanceof BBytes b)) {
                        throw new MetainfoException("malformed torrent: files[" + i + "].path has a non-string component");
                    }
                    components.add(b.utf8());
                }
                PathSafety.checkComponents(components, "files[" + i + "].path");
                if (f.get("attr") instanceof BBytes attr && attr.latin1().indexOf('p') >= 0) {
                    padding.set(i); // BEP 47
                }
                if (offset > Long.MAX_VALUE - fl.value()) {
                    throw new MetainfoException("malformed torrent: total length overflows");
                }
                files.add(new TorrentFile(components, fl.value(), offset));
                offset += fl.value();
            }
            PathSafety.checkDistinct(files, padding);
            multiFile = true;
        } else {
            throw new MetainfoException("malformed torrent: info has neither a length nor a files list");
        }
        long total = files.get(files.size() - 1).end();
        long expectedPieces = Info.pieceCountFor(total, pieceLength);
        long actualPieces = pieces.length() / Info.HASH_LENGTH;
        if (expectedPieces != actualPieces) {
            throw new MetainfoException("malformed torrent: " + actualPieces + " piece hashes for " + total
                    + " bytes in pieces of " + pieceLength + " (expected " + expectedPieces + ")");
        }
        return new Info(name, pieceLength, pieces.bytes(), files, multiFile, isPrivate);
    }

    private static String requiredText(BDict d, String key) {
        return optionalText(d, key).orElseThrow(() -> new MetainfoException("malformed torrent: no " + key));
    }

    private static Optional<String> optionalText(BDict d, String key) {
        return d.get(key) instanceof BBytes b ? Optional.of(b.utf8()) : Optional.empty();
    }

    private static List<List<String>> announceList(BDict root) {
        List<List<String>> tiers = new ArrayList<>();
        if (root.get("announce-list") instanceof BList list) {
            for (BValue tier : list.values()) {
                if (tier instanceof BList urls) {
                    List<String> t = new ArrayList<>();
                    for (BValue u : urls.values()) {
                        if (u instanceof BBytes b && b.length() > 0) {
                            t.add(b.utf8());
                        }
                    }
                    if (!t.isEmpty()) {
                        tiers.add(t);
                    }
                }
            }
        }
        return tiers;
    }

    private static List<String> urlList(BDict root) {
        BValue v = root.get("url-list");
        if (v instanceof BBytes b) {
            return b.length() == 0 ? List.of() : List.of(b.utf8());
        }
        List<String> out = new ArrayList<>();
        if (v instanceof BList list) {
            for (BValue u : list.values()) {
                if (u instanceof BBytes b && b.length() > 0) {
                    out.add(b.utf8());
                }
            }
        }
        return out;
    }

    /** The bencoded {@code .torrent}: the info dictionary's original bytes, top-level fields canonical. */
    public byte[] encode() {
        BDict.Builder top = BDict.builder()
                .put("announce", announce)
                .put("comment", comment)
                .put("created by", createdBy);
        if (creationDate != null) {
            top.put("creation date", creationDate);
        }
        if (!announceList.isEmpty()) {
            List<BValue> tiers = new ArrayList<>();
            for (List<String> tier : announceList) {
                tiers.add(new BList(tier.stream().<BValue>map(BBytes::of).toList()));
            }
            top.put("announce-list", new BList(tiers));
        }
        if (!urlList.isEmpty()) {
            top.put("url-list", new BList(urlList.stream().<BValue>map(BBytes::of).toList()));
        }
        // Splice the info bytes in as they are, so that the info-hash can never change on a rewrite.
        byte[] placeholder = Bencode.encode(top.put("info", BBytes.of(new byte[0])).build());
        byte[] marker = "4:info0:".getBytes(StandardCharsets.US_ASCII);
        int at = indexOf(placeholder, marker);
        byte[] out = new byte[placeholder.length - 2 + infoBytes.length];
        int head = at + marker.length - 2;
        System.arraycopy(placeholder, 0, out, 0, head);
        System.arraycopy(infoBytes, 0, out, head, infoBytes.length);
        System.arraycopy(placeholder, at + marker.length, out, head + infoBytes.length, placeholder.length - at - marker.length);
        return out;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException("info marker not found");
    }

    public Info info() {
        return info;
    }

    public InfoHash infoHash() {
        return infoHash;
    }

    /** The info dictionary's bytes as found (what the info-hash is computed over; served by ut_metadata). */
    public byte[] infoBytes() {
        return infoBytes.clone();
    }

    /** The {@code announce} URL, or {@code null}. */
    public String announce() {
        return announce;
    }

    /** BEP 12 tiers, empty when the torrent has none. */
    public List<List<String>> announceList() {
        return announceList;
    }

    /** The trackers to use, in tiers: {@code announce-list} when present (BEP 12), else {@code announce}. */
    public List<List<String>> trackerTiers() {
        if (!announceList.isEmpty()) {
            return announceList;
        }
        return announce == null || announce.isEmpty() ? List.of() : List.of(List.of(announce));
    }

    /** Every distinct tracker URL, in tier order. */
    public List<String> trackers() {
        List<String> out = new ArrayList<>();
        for (List<String> tier : trackerTiers()) {
            for (String url : tier) {
                if (!out.contains(url)) {
                    out.add(url);
                }
            }
        }
        return out;
    }

    public String comment() {
        return comment;
    }

    public String createdBy() {
        return createdBy;
    }

    /** Seconds since the epoch, or {@code null}. */
    public Long creationDate() {
        return creationDate;
    }

    public List<String> urlList() {
        return urlList;
    }
}
