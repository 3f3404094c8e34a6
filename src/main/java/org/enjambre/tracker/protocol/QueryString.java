package org.enjambre.tracker.protocol;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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

    private final Map<String, List<byte[]>> values;

    private QueryString(Map<String, List<byte[]>> values) {
        this.values = values;
    }

    /** Parses {@code raw} (the part after {@code ?}, not decoded; {@code null} means empty). */
    public static QueryString parse(String raw) throws TrackerRefusal {
        Map<String, List<byte[]>> values = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return new QueryString(values);
        }
        if (raw.length() > MAX_QUERY_LENGTH) {
            throw new TrackerRefusal("query too long (limit " + MAX_QUERY_LENGTH + " characters)");
        }
        int count = 0;
        int start = 0;
        int length = raw.length();
        while (start <= length) {
            int end = raw.indexOf('&', start);
            if (end < 0) {
                end = length;
            }
            if (end > start) {
                if (++count > MAX_PARAMETERS) {
                    throw new TrackerRefusal("too many query parameters (limit " + MAX_PARAMETERS + ")");
                }
                int eq = raw.indexOf('=', start);
                String name;
                byte[] value;
                if (eq < 0 || eq > end) {
                    name = latin1(decode(raw, start, end));
                    value = new byte[0];
                } else {
                    name = latin1(decode(raw, start, eq));
                    value = decode(raw, eq + 1, end);
                }
                values.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
            }
            start = end + 1;
        }
        return new QueryString(values);
    }

    /** The first value of {@code name}, or {@code null} when absent. */
    public byte[] first(String name) {
        List<byte[]> list = values.get(name);
        return list == null ? null : list.get(0);
    }

    /** Every value of {@code name} in query order (empty when absent). */
    public List<byte[]> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    public boolean has(String name) {
        return values.containsKey(name);
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
