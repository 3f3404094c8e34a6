package org.enjambre.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Where an IP address points: the public internet, or somewhere a request forged by a torrent
 * could reach what a user never chose (this machine, the local network, a router's link-local
 * service, a multicast group). IPv4 inside IPv6 (mapped {@code ::ffff:a.b.c.d}, compatible
 * {@code ::a.b.c.d}) is judged as the IPv4 address it carries, so it cannot hide one.
 */
public enum AddressScope {
    PUBLIC("a public address"),
    LOOPBACK("a loopback address (this machine)"),
    PRIVATE("a private-network address (RFC 1918, RFC 6598 shared, or IPv6 unique local)"),
    LINK_LOCAL("a link-local address"),
    MULTICAST("a multicast address"),
    UNSPECIFIED("an unspecified address");

    private final String description;

    AddressScope(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /**
     * Whether a source in this scope (a PEX peer, a DHT node answering a lookup) may point us at an
     * address in {@code candidate}: public addresses from anyone; private and link-local ones only
     * from a source that is not on the internet itself; the loopback only from the loopback (the
     * same machine); never multicast or unspecified. Otherwise anyone on the internet could steer
     * us into our own network.
     */
    public boolean mayName(AddressScope candidate) {
        return switch (candidate) {
            case PUBLIC -> true;
            case PRIVATE, LINK_LOCAL -> this != PUBLIC;
            case LOOPBACK -> this == LOOPBACK;
            case MULTICAST, UNSPECIFIED -> false;
        };
    }

    public static AddressScope of(InetAddress address) {
        if (address instanceof Inet6Address v6) {
            byte[] b = v6.getAddress();
            if (v6.isIPv4CompatibleAddress() && !v6.isAnyLocalAddress() && !v6.isLoopbackAddress()) {
                return of(v4(b[12], b[13], b[14], b[15]));
            }
            if ((b[0] & 0xfe) == 0xfc) {
                return PRIVATE; // fc00::/7
            }
            if (v6.isSiteLocalAddress()) {
                return PRIVATE; // fec0::/10, deprecated but still routed by some networks
            }
        }
        if (address.isAnyLocalAddress()) {
            return UNSPECIFIED;
        }
        if (address.isLoopbackAddress()) {
            return LOOPBACK;
        }
        if (address.isLinkLocalAddress()) {
            return LINK_LOCAL;
        }
        if (address.isMulticastAddress()) {
            return MULTICAST;
        }
        if (address instanceof Inet4Address v4) {
            byte[] b = v4.getAddress();
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            if (first == 0) {
                return UNSPECIFIED; // 0.0.0.0/8: "this network"
            }
            if (first == 100 && second >= 64 && second < 128) {
                return PRIVATE; // 100.64.0.0/10, carrier-grade NAT
            }
            if (first == 255 && second == 255 && (b[2] & 0xff) == 255 && (b[3] & 0xff) == 255) {
                return MULTICAST; // the broadcast address: as unwelcome as a group
            }
        }
        if (address.isSiteLocalAddress()) {
            return PRIVATE; // 10/8, 172.16/12, 192.168/16
        }
        return PUBLIC;
    }

    private static InetAddress v4(byte a, byte b, byte c, byte d) {
        try {
            return InetAddress.getByAddress(new byte[] {a, b, c, d});
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
