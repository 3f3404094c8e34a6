package org.enjambre.metainfo;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;

/** The SHA-1 of a torrent's bencoded {@code info} dictionary: 20 bytes naming the swarm. */
public final class InfoHash {
    public static final int LENGTH = 20;
    private static final HexFormat HEX = HexFormat.of();
    private static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private final byte[] bytes;

    private InfoHash(byte[] bytes) {
        this.bytes = bytes;
    }

    public static InfoHash of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new MetainfoException("an info-hash is 20 bytes, got " + bytes.length);
        }
        return new InfoHash(bytes.clone());
    }

    /** The info-hash of the exact bytes of an {@code info} dictionary. */
    public static InfoHash ofInfoBytes(byte[] infoBytes) {
        return new InfoHash(sha1(infoBytes));
    }

    /** 40 hex digits, either case. */
    public static InfoHash fromHex(String hex) {
        if (hex == null || hex.length() != 2 * LENGTH) {
            throw new MetainfoException("an info-hash in hex is 40 digits: " + hex);
        }
        try {
            return new InfoHash(HEX.parseHex(hex.toLowerCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw new MetainfoException("not a hex info-hash: " + hex);
        }
    }

    /** 32 characters of RFC 4648 base32 (as some magnet links carry it). */
    public static InfoHash fromBase32(String text) {
        if (text == null || text.length() != 32) {
            throw new MetainfoException("an info-hash in base32 is 32 characters: " + text);
        }
        byte[] out = new byte[LENGTH];
        long buffer = 0;
        int bits = 0;
        int index = 0;
        for (int i = 0; i < text.length(); i++) {
            // ASCII only, case by hand: String.toUpperCase turns 'ß' into "SS", and 32 characters into more.
            char c = text.charAt(i);
            int value = BASE32.indexOf(c >= 'a' && c <= 'z' ? (char) (c - 'a' + 'A') : c);
            if (value < 0) {
                throw new MetainfoException("not a base32 info-hash: " + text);
            }
            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8) {
                bits -= 8;
                out[index++] = (byte) (buffer >> bits);
            }
        }
        return new InfoHash(out);
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    /** 40 lowercase hex digits. */
    public String hex() {
        return HEX.formatHex(bytes);
    }

    /** RFC 4648 base32, upper case, 32 characters. */
    public String base32() {
        StringBuilder sb = new StringBuilder(32);
        long buffer = 0;
        int bits = 0;
        for (byte b : bytes) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                bits -= 5;
                sb.append(BASE32.charAt((int) (buffer >> bits) & 31));
            }
        }
        return sb.toString();
    }

    /** Percent-encoded raw bytes, as the {@code info_hash} parameter of an announce (BEP 3). */
    public String urlEncoded() {
        return percentEncode(bytes);
    }

    /** Percent-encodes raw bytes, leaving RFC 3986 unreserved characters as they are. */
    public static String percentEncode(byte[] raw) {
        StringBuilder sb = new StringBuilder(raw.length * 3);
        for (byte b : raw) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }

    static byte[] sha1(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by every Java platform", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InfoHash other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
