package org.enjambre.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Where a peer listens: an IP address (v4 or v6) or, as a BEP 3 dictionary answer or a user's
 * {@code --peer} may give, a host name, and a TCP port. The one place that parses {@code host:port}
 * ({@code [v6]:port} for IPv6) and codes the compact forms (BEP 23: 4 bytes of IPv4 and the port,
 * 6 in all; BEP 7 and BEP 11: 16 bytes of IPv6 and the port, 18 in all). Nothing here resolves a
 * name: a host name stays a name until someone dials it.
 *
 * @param host an IP literal in canonical form (IPv6 without brackets) or a host name
 * @param port 1..65535
 */
public record PeerAddress(String host, int port) {
    /** Bytes of one compact IPv4 peer. */
    public static final int COMPACT_IPV4 = 6;
    /** Bytes of one compact IPv6 peer. */
    public static final int COMPACT_IPV6 = 18;

    public PeerAddress {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("peer address without a host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("peer port out of range (1..65535): " + port);
        }
        host = canonicalHost(host);
    }

    public static PeerAddress of(InetAddress ip, int port) {
        return new PeerAddress(ip.getHostAddress(), port);
    }

    /** From a socket address, without resolving it (an unresolved one keeps its name). */
    public static PeerAddress of(InetSocketAddress address) {
        return address.isUnresolved() || address.getAddress() == null
                ? new PeerAddress(address.getHostString(), address.getPort())
                : of(address.getAddress(), address.getPort());
    }

    /** Parses {@code host:port}, {@code a.b.c.d:port} or {@code [ipv6]:port}. */
    public static PeerAddress parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("no peer address");
        }
        String host;
        String port;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("not [ipv6]:port: " + text);
            }
            host = text.substring(1, close);
            port = text.substring(close + 2);
            if (literal(host).filter(a -> a instanceof Inet6Address).isEmpty()) {
                throw new IllegalArgumentException("not an IPv6 address: " + host);
            }
        } else {
            int colon = text.lastIndexOf(':');
            if (colon <= 0 || text.indexOf(':') != colon) {
                throw new IllegalArgumentException("not host:port: " + text);
            }
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a port number: " + port);
        }
        return new PeerAddress(host, p);
    }

    /** The IP address, when {@link #host} is an IP literal (never a DNS look-up). */
    public Optional<InetAddress> ip() {
        return literal(host);
    }

    public boolean isIpv6() {
        return ip().filter(a -> a instanceof Inet6Address).isPresent();
    }

    /** An unresolved socket address for a name, a resolved one for an IP literal. */
    public InetSocketAddress socketAddress() {
        return ip().map(a -> new InetSocketAddress(a, port))
                .orElseGet(() -> InetSocketAddress.createUnresolved(host, port));
    }

    /** The compact form: 6 bytes for IPv4, 18 for IPv6. A host name has none. */
    public byte[] compact() {
        InetAddress ip = ip().orElseThrow(() -> new IllegalStateException("a host name has no compact form: " + host));
        byte[] raw = ip.getAddress();
        byte[] out = new byte[raw.length + 2];
        putCompact(out, 0, raw, port);
        return out;
    }

    /**
     * Writes one compact peer from its parts, for stores that keep peers as raw bytes (the tracker
     * registry packs its answers straight from them, without an object per peer).
     *
     * @param ip 4 or 16 address bytes
     * @return the offset after the entry
     */
    public static int putCompact(byte[] out, int at, byte[] ip, int port) {
        System.arraycopy(ip, 0, out, at, ip.length);
        at += ip.length;
        out[at++] = (byte) (port >>> 8);
        out[at++] = (byte) port;
        return at;
    }

    /** As {@link #putCompact(byte[], int, byte[], int)} for an IPv4 address held as an int, big-endian. */
    public static int putCompactIpv4(byte[] out, int at, int ipv4, int port) {
        out[at++] = (byte) (ipv4 >>> 24);
        out[at++] = (byte) (ipv4 >>> 16);
        out[at++] = (byte) (ipv4 >>> 8);
        out[at++] = (byte) ipv4;
        out[at++] = (byte) (port >>> 8);
        out[at++] = (byte) port;
        return at;
    }

    /** One compact peer: {@code length} is 6 (IPv4) or 18 (IPv6); a zero port is refused. */
    public static PeerAddress fromCompact(byte[] data, int offset, int length) {
        if (length != COMPACT_IPV4 && length != COMPACT_IPV6) {
            throw new IllegalArgumentException("a compact peer is 6 or 18 bytes, not " + length);
        }
        if (offset < 0 || offset + length > data.length) {
            throw new IllegalArgumentException("compact peer past the end of the data");
        }
        byte[] raw = new byte[length - 2];
        System.arraycopy(data, offset, raw, 0, raw.length);
        int port = ((data[offset + length - 2] & 0xff) << 8) | (data[offset + length - 1] & 0xff);
        try {
            return of(InetAddress.getByAddress(raw), port);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /**
     * A string of compact peers ({@code entrySize} 6 or 18 each), as in {@code peers}/{@code peers6}
     * of a tracker answer or {@code added}/{@code added6} of PEX. Entries with port 0 are skipped (they
     * cannot be dialled); a length that is not a multiple of the entry size is refused.
     */
    public static List<PeerAddress> decodeCompact(byte[] data, int entrySize) {
        if (entrySize != COMPACT_IPV4 && entrySize != COMPACT_IPV6) {
            throw new IllegalArgumentException("a compact peer is 6 or 18 bytes, not " + entrySize);
        }
        if (data.length % entrySize != 0) {
            throw new IllegalArgumentException("compact peers of " + data.length + " bytes: not a multiple of "
                    + entrySize);
        }
        List<PeerAddress> out = new ArrayList<>(data.length / entrySize);
        for (int at = 0; at < data.length; at += entrySize) {
            int port = ((data[at + entrySize - 2] & 0xff) << 8) | (data[at + entrySize - 1] & 0xff);
            if (port != 0) {
                out.add(fromCompact(data, at, entrySize));
            }
        }
        return out;
    }

    /** Compact peers of one family, concatenated; addresses of the other family or names are left out. */
    public static byte[] encodeCompact(List<PeerAddress> peers, boolean ipv6) {
        ByteBuffer out = ByteBuffer.allocate(peers.size() * (ipv6 ? COMPACT_IPV6 : COMPACT_IPV4));
        for (PeerAddress p : peers) {
            Optional<InetAddress> ip = p.ip();
            if (ip.isPresent() && (ip.get() instanceof Inet6Address) == ipv6) {
                out.put(p.compact());
            }
        }
        byte[] bytes = new byte[out.position()];
        out.flip().get(bytes);
        return bytes;
    }

    private static Optional<InetAddress> literal(String host) {
        try {
            return Optional.of(InetAddress.ofLiteral(host));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String canonicalHost(String host) {
        Optional<InetAddress> ip = literal(host);
        if (ip.isEmpty()) {
            return host.toLowerCase(Locale.ROOT);
        }
        InetAddress a = ip.get();
        if (a instanceof Inet6Address v6) {
            try { // no scope id, and the shortest text form (::1, not 0:0:0:0:0:0:0:1)
                a = InetAddress.getByAddress(v6.getAddress());
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException(e.getMessage());
            }
            return compressed((Inet6Address) a);
        }
        return ((Inet4Address) a).getHostAddress();
    }

    /** RFC 5952 text: the longest run of two or more zero groups becomes {@code ::}. */
    private static String compressed(Inet6Address a) {
        byte[] b = a.getAddress();
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append(i == 0 ? "::" : ":");
                i += bestLen - 1;
                continue;
            }
            out.append(Integer.toHexString(g[i]));
            if (i < 7) {
                out.append(':');
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
