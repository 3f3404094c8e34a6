package org.enjambre.tracker.client;

import java.net.InetAddress;
import java.util.Optional;
import java.util.Set;
import org.enjambre.net.AddressScope;

/**
 * Which addresses announces may reach. A torrent is untrusted input: its announce URL could point
 * at this machine or the local network (a router's admin page, a cloud metadata service), and
 * each announce would then be a request the user never chose. So, as libtorrent's SSRF mitigation
 * does (and more strictly: libtorrent only restricts localhost paths and global-to-local
 * redirects), a tracker whose address is not {@link AddressScope#PUBLIC} is refused unless the user
 * allowed private trackers ({@code --allow-private-trackers}), or the URL is one the node itself
 * chose (its own tracker). The address checked is the one connected to, after resolving the name
 * once, and every redirect is checked again, so neither DNS rebinding nor a redirect can swap it.
 *
 * @param allowPrivate whether loopback, private, link-local, multicast and unspecified addresses are allowed
 * @param trustedUrls  announce URLs allowed whatever they resolve to (the node's own tracker)
 */
public record AnnouncePolicy(boolean allowPrivate, Set<String> trustedUrls) {
    public AnnouncePolicy {
        trustedUrls = Set.copyOf(trustedUrls);
    }

    /** Public addresses only: the default for anything a torrent names. */
    public static AnnouncePolicy publicOnly() {
        return new AnnouncePolicy(false, Set.of());
    }

    /** Every address (the user said {@code --allow-private-trackers}: a LAN swarm, tests on loopback). */
    public static AnnouncePolicy allowingPrivate() {
        return new AnnouncePolicy(true, Set.of());
    }

    public static AnnouncePolicy of(boolean allowPrivate) {
        return allowPrivate ? allowingPrivate() : publicOnly();
    }

    /** The same policy, also allowing {@code url} wherever it points. */
    public AnnouncePolicy trusting(String url) {
        java.util.Set<String> more = new java.util.HashSet<>(trustedUrls);
        more.add(url);
        return new AnnouncePolicy(allowPrivate, more);
    }

    /** Why an announce to {@code url}, connecting to {@code address}, is refused; empty when allowed. */
    public Optional<String> refusal(String url, InetAddress address) {
        if (allowPrivate || trustedUrls.contains(url)) {
            return Optional.empty();
        }
        AddressScope scope = AddressScope.of(address);
        if (scope == AddressScope.PUBLIC) {
            return Optional.empty();
        }
        return Optional.of("its address " + address.getHostAddress() + " is " + scope.description()
                + "; trackers there are used only with --allow-private-trackers");
    }
}
