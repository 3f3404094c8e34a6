package org.enjambre.bencode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Strict bencode decoder and canonical encoder (BEP 3).
 *
 * <p>The decoder accepts only canonical input: integers without leading zeros or {@code -0},
 * string lengths without leading zeros that fit the input, dictionary keys sorted by raw bytes
 * and unique, nothing after the top-level value, nesting at most {@link #MAX_DEPTH}. Every refusal
 * is a {@link BencodeException} naming the byte offset. It remembers the exact span of every
 * value it made, so the info-hash is taken over the bytes as found, never over a re-encoding.
 */
public final class Bencode {
    /** Deepest nesting of lists and dictionaries accepted; real torrents use 4 or 5. */
    public static final int MAX_DEPTH = 64;
    /** Longest integer literal accepted: enough digits for any {@code long}. */
    private static final int MAX_INT_DIGITS = 19;

    private Bencode() {
    }

    /** Decodes a whole input: exactly one value and nothing after it. */
    public static Decoded decode(byte[] input) {
        Decoder decoder = new Decoder(input);
        BValue root = decoder.value(0);
        if (decoder.pos != input.length) {
            throw new BencodeException("trailing bytes after the value (" + (input.length - decoder.pos) + " more)", decoder.pos);
        }
        return new Decoded(input, root, decoder.spans);
    }

    /**
     * Decodes the one value that starts at byte {@code offset} of {@code input} and says where it
     * ended; whatever follows is left alone (a BEP 9 {@code data} message is a dictionary followed by
     * raw piece bytes). The value itself is held to the same rules as {@link #decode}; a refusal names
     * the offset in {@code input}.
     */
    public static Prefix decodePrefix(byte[] input, int offset) {
        if (offset < 0 || offset > input.length) {
            throw new IndexOutOfBoundsException("offset " + offset + " outside an input of " + input.length + " bytes");
        }
        Decoder decoder = new Decoder(input);
        decoder.pos = offset;
        BValue value = decoder.value(0);
        return new Prefix(value, decoder.pos);
    }

    /** {@link #decodePrefix(byte[], int)} from the first byte. */
    public static Prefix decodePrefix(byte[] input) {
        return decodePrefix(input, 0);
    }

    /**
     * A value decoded from the front of an input.
     *
     * @param value the value
     * @param end   the offset of the first byte after it: where the rest of the input begins
     */
    public record Prefix(BValue value, int end) {
    }

    /** Decodes one value and returns it (spans not needed). */
    public static BValue parse(byte[] input) {
        return decode(input).root();
    }

    /** Canonical encoding: dictionaries in raw-byte key order. */
    public static byte[] encode(BValue value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(value, out);
        return out.toByteArray();
    }

    private static void write(BValue value, ByteArrayOutputStream out) {
        // Java 17: no pattern switch yet, so an instanceof chain over the sealed hierarchy.
        if (value instanceof BInt i) {
            out.write('i');
            writeAscii(Long.toString(i.value()), out);
            out.write('e');
        } else if (value instanceof BBytes b) {
            writeBytes(b.raw(), out);
        } else if (value instanceof BList l) {
            out.write('l');
            for (BValue v : l.values()) {
                write(v, out);
            }
            out.write('e');
        } else if (value instanceof BDict d) {
            out.write('d');
            for (Map.Entry<String, BValue> e : d.entries().entrySet()) {
                writeBytes(e.getKey().getBytes(StandardCharsets.ISO_8859_1), out);
                write(e.getValue(), out);
            }
            out.write('e');
        } else {
            throw new IllegalArgumentException("unknown bencode value " + value);
        }
    }

    private static void writeBytes(byte[] bytes, ByteArrayOutputStream out) {
        writeAscii(Integer.toString(bytes.length), out);
        out.write(':');
        out.write(bytes, 0, bytes.length);
    }

    private static void writeAscii(String s, ByteArrayOutputStream out) {
        for (int i = 0; i < s.length(); i++) {
            out.write(s.charAt(i));
        }
    }

    /** The result of decoding: the value tree plus the span of each value in the input. */
    public static final class Decoded {
        private final byte[] input;
        private final BValue root;
        private final Map<BValue, Span> spans;

        Decoded(byte[] input, BValue root, Map<BValue, Span> spans) {
            this.input = input;
            this.root = root;
            this.spans = spans;
        }

        public BValue root() {
            return root;
        }

        /** Where a value of this tree (the very object, not an equal one) was in the input. */
        public Span span(BValue value) {
            Span span = spans.get(value);
            if (span == null) {
                throw new IllegalArgumentException("value is not part of this decoded tree");
            }
            return span;
        }

        /** The bytes of a value exactly as they were in the input. */
        public byte[] rawBytes(BValue value) {
            Span span = span(value);
            byte[] out = new byte[span.length()];
            System.arraycopy(input, span.start(), out, 0, out.length);
            return out;
        }
    }

    private static final class Decoder {
        private final byte[] in;
        private int pos;
        private final Map<BValue, Span> spans = new IdentityHashMap<>();

        Decoder(byte[] in) {
            this.in = in;
        }

        BValue value(int depth) {
            if (pos >= in.length) {
                throw new BencodeException("truncated input: expected a value", pos);
            }
            int start = pos;
            byte b = in[pos];
            BValue v;
            if (b == 'i') {
                v = integer();
            } else if (b >= '0' && b <= '9') {
                v = BBytes.wrap(string());
            } else if (b == 'l' || b == 'd') {
                if (depth >= MAX_DEPTH) {
                    throw new BencodeException("nesting deeper than " + MAX_DEPTH, pos);
                }
                v = b == 'l' ? list(depth) : dict(depth);
            } else {
                throw new BencodeException("unexpected byte " + describe(b) + ", expected a value", pos);
            }
            spans.put(v, new Span(start, pos));
            return v;
        }

        private BInt integer() {
            int start = pos;
            pos++; // 'i'
            boolean negative = false;
            if (pos < in.length && in[pos] == '-') {
                negative = true;
                pos++;
            }
            int digitsStart = pos;
            while (pos < in.length && in[pos] >= '0' && in[pos] <= '9') {
                pos++;
            }
            int digits = pos - digitsStart;
            if (pos >= in.length) {
                throw new BencodeException("truncated integer", pos);
            }
            if (in[pos] != 'e') {
                throw new BencodeException("unexpected byte " + describe(in[pos]) + " in integer", pos);
            }
            if (digits == 0) {
                throw new BencodeException("integer without digits", start);
            }
            if (in[digitsStart] == '0' && digits > 1) {
                throw new BencodeException("integer with a leading zero", digitsStart);
            }
            if (negative && in[digitsStart] == '0') {
                throw new BencodeException("negative zero", start);
            }
            if (digits > MAX_INT_DIGITS) {
                throw new BencodeException("integer does not fit in 64 bits", start);
            }
            String text = new String(in, digitsStart, digits, StandardCharsets.US_ASCII);
            long value;
            try {
                value = Long.parseLong(negative ? "-" + text : text);
            } catch (NumberFormatException e) {
                throw new BencodeException("integer does not fit in 64 bits", start);
            }
            pos++; // 'e'
            return new BInt(value);
        }

        private byte[] string() {
            int start = pos;
            long length = 0;
            while (pos < in.length && in[pos] >= '0' && in[pos] <= '9') {
                length = length * 10 + (in[pos] - '0');
                if (length > in.length) {
                    throw new BencodeException("string length exceeds the input", start);
                }
                pos++;
            }
            if (pos >= in.length) {
                throw new BencodeException("truncated string length", pos);
            }
            if (in[pos] != ':') {
                throw new BencodeException("unexpected byte " + describe(in[pos]) + " in string length", pos);
            }
            if (in[start] == '0' && pos - start > 1) {
                throw new BencodeException("string length with a leading zero", start);
            }
            pos++; // ':'
            if (length > in.length - pos) {
                throw new BencodeException("string of " + length + " bytes runs past the end of the input", start);
            }
            byte[] out = new byte[(int) length];
            System.arraycopy(in, pos, out, 0, out.length);
            pos += out.length;
            return out;
        }

        private BList list(int depth) {
            pos++; // 'l'
            List<BValue> values = new ArrayList<>();
            while (true) {
                if (pos >= in.length) {
                    throw new BencodeException("truncated list", pos);
                }
                if (in[pos] == 'e') {
                    pos++;
                    return new BList(values);
                }
                values.add(value(depth + 1));
            }
        }

        private BDict dict(int depth) {
            pos++; // 'd'
            TreeMap<String, BValue> entries = new TreeMap<>();
            String previous = null;
            while (true) {
                if (pos >= in.length) {
                    throw new BencodeException("truncated dictionary", pos);
                }
                if (in[pos] == 'e') {
                    pos++;
                    return new BDict(entries);
                }
                int keyStart = pos;
                if (in[pos] < '0' || in[pos] > '9') {
                    throw new BencodeException("dictionary key is not a byte string", pos);
                }
                String key = new String(string(), StandardCharsets.ISO_8859_1);
                if (previous != null) {
                    int order = key.compareTo(previous);
                    if (order == 0) {
                        throw new BencodeException("duplicate dictionary key \"" + printable(key) + "\"", keyStart);
                    }
                    if (order < 0) {
                        throw new BencodeException("dictionary keys not sorted (\"" + printable(key) + "\" after \"" + printable(previous) + "\")", keyStart);
                    }
                }
                previous = key;
                entries.put(key, value(depth + 1));
            }
        }

        private static String describe(byte b) {
            int c = b & 0xff;
            return c >= 0x20 && c < 0x7f ? "'" + (char) c + "'" : String.format("0x%02x", c);
        }

        private static String printable(String key) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < key.length() && i < 40; i++) {
                char c = key.charAt(i);
                sb.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c));
            }
            return sb.toString();
        }
    }
}
