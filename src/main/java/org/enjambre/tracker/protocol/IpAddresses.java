package org.enjambre.tracker.protocol;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * IP address literals to bytes, without ever asking DNS: a tracker must not resolve names a
 * client sends it. IPv4-mapped IPv6 addresses become plain IPv4 (4 bytes), so a dual-stack
 * listener hands out the compact form clients expect.
 */
public final class IpAddresses {
    private IpAddresses() {
    }

    /** The 4 or 16 bytes of a literal, or {@code null} if it is not one. */
    public static byte[] parse(String text) {
        if (text == null || text.isEmpty() || text.length() > 64) {
            return null;
        }
        if (text.indexOf(':') < 0) {
            return parseIpv4(text);
        }
        String literal = text;
        if (literal.startsWith("[") && literal.endsWith("]")) {
            literal = literal.substring(1, literal.length() - 1);
        }
        int zone = literal.indexOf('%');
        if (zone >= 0) {
            literal = literal.substring(0, zone);
        }
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            if (!(c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
                return null;
            }
        }
        try {
            // A string of hex digits, ':' and '.' is parsed as a literal: no lookup happens.
            byte[] bytes = InetAddress.getByName(literal).getAddress();
            return normalize(bytes);
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }

    /** IPv4-mapped IPv6 ({@code ::ffff:a.b.c.d}) to 4 bytes; anything else unchanged. */
    public static byte[] normalize(byte[] address) {
        if (address.length == 16) {
            for (int i = 0; i < 10; i++) {
                if (address[i] != 0) {
                    return address;
                }
            }
            if ((address[10] & 0xff) == 0xff && (address[11] & 0xff) == 0xff) {
                return new byte[] {address[12], address[13], address[14], address[15]};
            }
        }
        return address;
    }

    /**
     * Whether a peer could listen at this address: not unspecified ({@code 0.0.0.0/8}, {@code ::}),
     * not multicast ({@code 224.0.0.0/4}, {@code ff00::/8}), not reserved or broadcast
     * ({@code 240.0.0.0/4}).
     */
    public static boolean isUnicast(byte[] address) {
        if (address.length == 4) {
            int first = address[0] & 0xff;
            return first != 0 && first < 224;
        }
        if ((address[0] & 0xff) == 0xff) {
            return false;
        }
        for (byte b : address) {
            if (b != 0) {
                return true;
            }
        }
        return false;
    }

    public static boolean isLoopback(byte[] address) {
        if (address.length == 4) {
            return (address[0] & 0xff) == 127;
        }
        for (int i = 0; i < 15; i++) {
            if (address[i] != 0) {
                return false;
            }
        }
        return address[15] == 1;
    }

    private static byte[] parseIpv4(String text) {
        byte[] out = new byte[4];
        int part = 0;
        int value = -1;
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : '.';
            if (c == '.') {
                if (value < 0 || part > 3) {
                    return null;
                }
                out[part++] = (byte) value;
                value = -1;
            } else if (c >= '0' && c <= '9') {
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (value > 255) {
                    return null;
                }
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }
}
