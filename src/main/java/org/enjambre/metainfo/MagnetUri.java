package org.enjambre.metainfo;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.enjambre.net.PeerAddress;

/**
 * A magnet link for a v1 torrent (BEP 9): {@code magnet:?xt=urn:btih:<info-hash>} with an
 * optional display name ({@code dn}), trackers ({@code tr}, several) and peers ({@code x.pe},
 * several, {@code host:port} or {@code [ipv6]:port}).
 *
 * <p>{@link #parse} accepts the info-hash as 40 hex digits or 32 base32 characters, numbered
 * keys such as {@code tr.1} as some clients write them, and ignores parameters it does not know;
 * anything malformed is a {@link MetainfoException} saying what. {@link #toString()} formats the
 * link with the info-hash in lowercase hex and every value percent-encoded.
 *
 * @param infoHash    the swarm
 * @param displayName the suggested name, or {@code null}
 * @param trackers    tracker URLs, in order
 * @param peers       peers to contact directly
 */
public record MagnetUri(InfoHash infoHash, String displayName, List<String> trackers, List<PeerAddress> peers) {
    /** Longest magnet link accepted: far more than any real one, small enough to never hurt. */
    public static final int MAX_LENGTH = 64 * 1024;
    private static final String PREFIX = "magnet:?";
    private static final String BTIH = "urn:btih:";

    public MagnetUri {
        Objects.requireNonNull(infoHash, "infoHash");
        trackers = List.copyOf(trackers);
        peers = List.copyOf(peers);
    }

    /** A peer address from {@code x.pe}: {@code host:port} or {@code [ipv6]:port}. */
    private static PeerAddress peer(String text) {
        try {
            return PeerAddress.parse(text);
        } catch (IllegalArgumentException e) {
            throw new MetainfoException("magnet peer address " + abbreviate(text) + ": " + e.getMessage());
        }
    }

    /** The magnet link of a torrent: its info-hash, name and trackers. */
    public static MagnetUri of(Metainfo metainfo) {
        return new MagnetUri(metainfo.infoHash(), metainfo.info().name(), metainfo.trackers(), List.of());
    }

    /** Parses a magnet link; refuses one without a BitTorrent info-hash or with a malformed part. */
    public static MagnetUri parse(String uri) {
        if (uri == null) {
            throw new MetainfoException("no magnet link");
        }
        if (uri.length() > MAX_LENGTH) {
            throw new MetainfoException("magnet link longer than " + MAX_LENGTH + " characters");
        }
        if (!uri.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            throw new MetainfoException("not a magnet link (must start with magnet:?): " + abbreviate(uri));
        }
        InfoHash infoHash = null;
        String displayName = null;
        List<String> trackers = new ArrayList<>();
        List<PeerAddress> peers = new ArrayList<>();
        for (String part : uri.substring(PREFIX.length()).split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new MetainfoException("magnet parameter without a value: " + abbreviate(part));
            }
            String key = baseKey(part.substring(0, eq).toLowerCase(Locale.ROOT));
            String value = decode(part.substring(eq + 1));
            switch (key) {
                case "xt" -> {
                    if (value.regionMatches(true, 0, BTIH, 0, BTIH.length())) {
                        InfoHash h = parseHash(value.substring(BTIH.length()));
                        if (infoHash != null && !infoHash.equals(h)) {
                            throw new MetainfoException("magnet link names two different info-hashes");
                        }
                        infoHash = h;
                    }
                    // Other topics (urn:btmh: for v2, urn:sha1:, ...) are not ours to use: ignored.
                }
                case "dn" -> displayName = value;
                case "tr" -> {
                    if (!value.isEmpty() && !trackers.contains(value)) {
                        trackers.add(value);
                    }
                }
                case "x.pe" -> peers.add(peer(value));
                default -> {
                    // BEP 9 lets links carry more; unknown parameters are not an error.
                }
            }
        }
        if (infoHash == null) {
            throw new MetainfoException("magnet link has no xt=urn:btih: info-hash: " + abbreviate(uri));
        }
        return new MagnetUri(infoHash, displayName, trackers, peers);
    }

    /** {@code tr.1} -> {@code tr}; {@code x.pe} stays as it is. */
    private static String baseKey(String key) {
        int dot = key.lastIndexOf('.');
        if (dot > 0 && dot < key.length() - 1 && key.substring(dot + 1).chars().allMatch(c -> c >= '0' && c <= '9')) {
            return key.substring(0, dot);
        }
        return key;
    }

    private static InfoHash parseHash(String text) {
        if (text.length() == 40) {
            return InfoHash.fromHex(text);
        }
        if (text.length() == 32) {
            return InfoHash.fromBase32(text);
        }
        throw new MetainfoException("magnet info-hash must be 40 hex digits or 32 base32 characters, got "
                + text.length() + " characters: " + abbreviate(text));
    }

    /** Percent-decoding as UTF-8, with {@code +} as a space (as browsers and libtorrent write it). */
    private static String decode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw new MetainfoException("truncated percent-escape in magnet link: " + abbreviate(s));
                }
                int hi = hexDigit(s.charAt(i + 1));
                int lo = hexDigit(s.charAt(i + 2));
                if (hi < 0 || lo < 0) {
                    throw new MetainfoException("bad percent-escape in magnet link: " + abbreviate(s));
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if (c == '+') {
                out.write(' ');
            } else {
                // A run of literal characters, encoded whole so that surrogate pairs stay intact.
                int end = i;
                while (end < s.length() && s.charAt(end) != '%' && s.charAt(end) != '+') {
                    end++;
                }
                byte[] b = s.substring(i, end).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
                i = end - 1;
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** An ASCII hex digit's value, else -1 ({@link Character#digit} would take any Unicode digit). */
    private static int hexDigit(char c) {
        return c < 0x80 ? Character.digit(c, 16) : -1;
    }

    private static String encode(String s) {
        return InfoHash.percentEncode(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /** The link: {@code magnet:?xt=urn:btih:<hex>&dn=...&tr=...&x.pe=...}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(PREFIX).append("xt=").append(BTIH).append(infoHash.hex());
        if (displayName != null) {
            sb.append("&dn=").append(encode(displayName));
        }
        for (String tr : trackers) {
            sb.append("&tr=").append(encode(tr));
        }
        for (PeerAddress p : peers) {
            sb.append("&x.pe=").append(encode(p.toString()));
        }
        return sb.toString();
    }
}
