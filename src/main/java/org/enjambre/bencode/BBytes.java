package org.enjambre.bencode;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A bencoded byte string ({@code 4:spam}); the bytes are raw, text is a matter of reading them. */
public final class BBytes implements BValue {
    private final byte[] bytes;

    private BBytes(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Wraps a copy of {@code bytes}. */
    public static BBytes of(byte[] bytes) {
        return new BBytes(bytes.clone());
    }

    /** The UTF-8 bytes of {@code text}. */
    public static BBytes of(String text) {
        return new BBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    static BBytes wrap(byte[] bytes) {
        return new BBytes(bytes);
    }

    /** A copy of the raw bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    /** The bytes read as UTF-8 (malformed sequences become U+FFFD). */
    public String utf8() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** The bytes as ISO-8859-1 characters: one char per byte, reversible. */
    public String latin1() {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    byte[] raw() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BBytes other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "BBytes[" + latin1() + "]";
    }
}
