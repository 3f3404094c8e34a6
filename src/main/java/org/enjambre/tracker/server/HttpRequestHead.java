package org.enjambre.tracker.server;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The head of one HTTP/1.x request as the announce front end needs it: method, target, version
 * and whether the connection stays open, read straight from the received bytes without building a
 * header map. A request it is not sure it can answer alone (a body, an upgrade, an {@code Expect},
 * an unknown version) is marked not {@link #plain}: the front end hands such connections to the
 * full HTTP server rather than guess. Pure: parsing never changes the buffer's indexes.
 *
 * @param method    the request method as sent ("GET")
 * @param target    the request target as sent ("/announce?info_hash=...")
 * @param http11    HTTP/1.1 (else HTTP/1.0)
 * @param keepAlive the client lets the connection stay open after the answer
 * @param plain     no body, no upgrade, no expectation: answerable from the head alone
 */
public record HttpRequestHead(String method, String target, boolean http11, boolean keepAlive, boolean plain) {

    /** What {@link #parse} found at the buffer's reader index. */
    public sealed interface Parsed permits Incomplete, Complete, TooLarge {
    }

    /** The head's end has not arrived yet. */
    public record Incomplete() implements Parsed {
    }

    /** A whole head of {@code length} bytes (its blank line included). */
    public record Complete(HttpRequestHead head, int length) implements Parsed {
    }

    /** The request line or the headers pass their limit: answered with {@code status}, then closed. */
    public record TooLarge(int status, String reason) implements Parsed {
    }

    private static final Incomplete INCOMPLETE = new Incomplete();
    private static final TooLarge URI_TOO_LONG = new TooLarge(414, "Request-URI Too Long");
    private static final TooLarge HEADERS_TOO_LARGE = new TooLarge(431, "Request Header Fields Too Large");

    /** The path of the target: what comes before {@code ?}. */
    public String path() {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }

    /** The raw query of the target (what comes after {@code ?}), or null when there is none. */
    public String query() {
        int q = target.indexOf('?');
        return q < 0 ? null : target.substring(q + 1);
    }

    /** A {@code GET} of exactly {@code path}, with or without a query. */
    public boolean isGet(String path) {
        return "GET".equals(method) && target.startsWith(path)
                && (target.length() == path.length() || target.charAt(path.length()) == '?');
    }

    /**
     * Reads the head that starts at {@code in}'s reader index. Lines end with CRLF or a bare LF
     * (as Netty's decoder accepts); empty lines before the request line are skipped, as RFC 9112
     * asks a server to.
     *
     * @param maxLine    longest request line allowed (longer: 414)
     * @param maxHeaders most bytes of header lines allowed (more: 431)
     */
    public static Parsed parse(ByteBuf in, int maxLine, int maxHeaders) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        while (start < end && (in.getByte(start) == '\r' || in.getByte(start) == '\n')) {
            start++;
        }
        int lineEnd = in.indexOf(start, end, (byte) '\n');
        if (lineEnd < 0) {
            return end - start > maxLine ? URI_TOO_LONG : INCOMPLETE;
        }
        if (lineEnd - start > maxLine) {
            return URI_TOO_LONG;
        }
        String line = in.toString(start, trimCr(in, start, lineEnd) - start, StandardCharsets.ISO_8859_1);
        int firstSpace = line.indexOf(' ');
        int lastSpace = line.lastIndexOf(' ');
        String method = firstSpace < 0 ? line : line.substring(0, firstSpace);
        String target = firstSpace < 0 || lastSpace <= firstSpace ? "" : line.substring(firstSpace + 1, lastSpace);
        String version = lastSpace <= firstSpace ? "" : line.substring(lastSpace + 1);
        boolean http11 = "HTTP/1.1".equals(version);
        boolean plain = http11 || "HTTP/1.0".equals(version);
        plain &= !target.isEmpty() && target.indexOf(' ') < 0;
        boolean keepAlive = http11;
        int headersStart = lineEnd + 1;
        int pos = headersStart;
        while (true) {
            int next = in.indexOf(pos, end, (byte) '\n');
            if (next < 0) {
                return end - headersStart > maxHeaders ? HEADERS_TOO_LARGE : INCOMPLETE;
            }
            if (next - headersStart > maxHeaders) {
                return HEADERS_TOO_LARGE;
            }
            int contentEnd = trimCr(in, pos, next);
            if (contentEnd == pos) {
                return new Complete(new HttpRequestHead(method, target, http11, keepAlive, plain),
                        next + 1 - in.readerIndex());
            }
            if (startsWithName(in, pos, contentEnd, "connection")) {
                String value = value(in, pos + "connection".length() + 1, contentEnd);
                if (value.contains("close")) {
                    keepAlive = false;
                } else if (value.contains("keep-alive")) {
                    keepAlive = true;
                }
                if (value.contains("upgrade")) {
                    plain = false;
                }
            } else if (startsWithName(in, pos, contentEnd, "content-length")) {
                plain &= "0".equals(value(in, pos + "content-length".length() + 1, contentEnd));
            } else if (startsWithName(in, pos, contentEnd, "transfer-encoding")
                    || startsWithName(in, pos, contentEnd, "expect")
                    || startsWithName(in, pos, contentEnd, "upgrade")) {
                plain = false;
            } else if (in.getByte(pos) == ' ' || in.getByte(pos) == '\t') {
                // An obsolete folded continuation line: let the full server judge it.
                plain = false;
            }
            pos = next + 1;
        }
    }

    private static int trimCr(ByteBuf in, int from, int lf) {
        return lf > from && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
    }

    /** Whether the line at {@code from} is the header {@code lowerName} (case-insensitive) followed by a colon. */
    private static boolean startsWithName(ByteBuf in, int from, int to, String lowerName) {
        int n = lowerName.length();
        if (to - from <= n || in.getByte(from + n) != ':') {
            return false;
        }
        for (int i = 0; i < n; i++) {
            int b = in.getByte(from + i);
            if ((b >= 'A' && b <= 'Z' ? b + 32 : b) != lowerName.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static String value(ByteBuf in, int from, int to) {
        return in.toString(from, to - from, StandardCharsets.ISO_8859_1).trim().toLowerCase(java.util.Locale.ROOT);
    }
}
