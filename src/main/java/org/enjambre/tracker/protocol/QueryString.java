package org.enjambre.tracker.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * A URL query string decoded to raw bytes. BitTorrent puts binary values (info_hash, peer_id) in
 * the query, percent-encoded byte by byte, so decoding must yield bytes, never text: a UTF-8
 * decoder would corrupt them. Parameter names are ASCII and kept as ISO-8859-1 strings.
 */
public final class QueryString {
    /** Longest raw query accepted (a scrape of many hashes is the longest legitimate one). */
    public static final int MAX_QUERY_LENGTH = 16 * 1024;
    /** Most parameters accepted in one query. */
    public static final int MAX_PARAMETERS = 512;

    /**
     * Names and values in query order, side by side: an announce has about ten parameters, so a
     * linear search beats a map of lists, and costs two arrays instead of an entry, a list and its
     * array per parameter (this is parsed once per announce).
     */
    private final String[] names;
    private final byte[][] values;
    private final int count;

    private QueryString(String[] names, byte[][] values, int count) {
        this.names = names;
        this.values = values;
        this.count = count;
    }

    /** Parses {@code raw} (the part after {@code ?}, not decoded; {@code null} means empty). */
    public static QueryString parse(String raw) throws TrackerRefusal {
        if (raw == null || raw.isEmpty()) {
            return new QueryString(new String[0], new byte[0][], 0);
        }
        if (raw.length() > MAX_QUERY_LENGTH) {
            throw new TrackerRefusal("query too long (limit " + MAX_QUERY_LENGTH + " characters)");
        }
        String[] names = new String[16];
        byte[][] values = new byte[16][];
        int count = 0;
        int start = 0;
        int length = raw.length();
        while (start <= length) {
            int end = raw.indexOf('&', start);
            if (end < 0) {
                end = length;
            }
            if (end > start) {
                if (count == MAX_PARAMETERS) {
                    throw new TrackerRefusal("too many query parameters (limit " + MAX_PARAMETERS + ")");
                }
                if (count == names.length) {
                    names = java.util.Arrays.copyOf(names, count * 2);
                    values = java.util.Arrays.copyOf(values, count * 2);
                }
                int eq = raw.indexOf('=', start);
                if (eq < 0 || eq > end) {
                    names[count] = name(raw, start, end);
                    values[count] = EMPTY;
                } else {
                    names[count] = name(raw, start, eq);
                    values[count] = decode(raw, eq + 1, end);
                }
                count++;
            }
            start = end + 1;
        }
        return new QueryString(names, values, count);
    }

    private static final byte[] EMPTY = new byte[0];

    /** A parameter name: plain ASCII names (all of BitTorrent's) are taken as they are, without decoding. */
    private static String name(String raw, int from, int to) throws TrackerRefusal {
        for (int i = from; i < to; i++) {
            char c = raw.charAt(i);
            if (c == '%' || c == '+' || c > 0x7f) {
                return latin1(decode(raw, from, to));
            }
        }
        return raw.substring(from, to);
    }

    /** The first value of {@code name}, or {@code null} when absent. */
    public byte[] first(String name) {
        for (int i = 0; i < count; i++) {
            if (names[i].equals(name)) {
                return values[i];
            }
        }
        return null;
    }

    /** Every value of {@code name} in query order (empty when absent). */
    public List<byte[]> all(String name) {
        List<byte[]> all = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (names[i].equals(name)) {
                all.add(values[i]);
            }
        }
        return all;
    }

    public boolean has(String name) {
        return first(name) != null;
    }

    /** The first value of {@code name} as ASCII text, or {@code null}. */
    public String text(String name) {
        byte[] v = first(name);
        return v == null ? null : latin1(v);
    }

    private static String latin1(byte[] bytes) {
        return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** Percent-decodes raw[from, to) to bytes; '+' is a space as in form encoding. */
    static byte[] decode(String raw, int from, int to) throws TrackerRefusal {
        byte[] out = new byte[to - from];
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= to) {
                    throw new TrackerRefusal("malformed percent-encoding in query");
                }
                int hi = hexDigit(raw.charAt(i + 1));
                int lo = hexDigit(raw.charAt(i + 2));
                if (hi < 0 || lo < 0) {
                    throw new TrackerRefusal("malformed percent-encoding in query");
                }
                out[n++] = (byte) ((hi << 4) | lo);
                i += 2;
            } else if (c == '+') {
                out[n++] = ' ';
            } else if (c > 0xff) {
                throw new TrackerRefusal("non-ASCII character in query");
            } else {
                out[n++] = (byte) c;
            }
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    /** An ASCII hex digit's value, else -1 ({@link Character#digit} would take any Unicode digit). */
    private static int hexDigit(char c) {
        return c < 0x80 ? Character.digit(c, 16) : -1;
    }
}
