package org.enjambre.web;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who may drive a node's web port.
 *
 * @param host           bind address of the web port (loopback by default: only this machine reaches it)
 * @param apiToken       the bearer token every change (and, off loopback, every read) must carry
 * @param allowedHosts   extra names accepted in the {@code Host} header (lowercase), beside
 *                       localhost, the loopback addresses and the bound address
 * @param dataQuotaBytes most bytes the hosted torrents plus uploads in flight may hold; the API
 *                       refuses what would pass it (413)
 */
public record WebAccess(String host, String apiToken, Set<String> allowedHosts, long dataQuotaBytes) {
    /** Default bind address of the web port. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** Default {@code --data-quota}: 64 GiB of hosted torrents and uploads. */
    public static final long DEFAULT_DATA_QUOTA = 64L << 30;

    public WebAccess {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("--web-host must not be empty");
        }
        ApiToken.check(apiToken);
        allowedHosts = allowedHosts == null ? Set.of()
                : allowedHosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty())
                        .collect(Collectors.toUnmodifiableSet());
        if (dataQuotaBytes < 1) {
            throw new IllegalArgumentException("--data-quota must be positive, got " + dataQuotaBytes);
        }
    }

    /** Loopback, a fresh random token, the default quota: a node only its own process (tests) drives. */
    public static WebAccess local() {
        return new WebAccess(DEFAULT_HOST, ApiToken.generate(), Set.of(), DEFAULT_DATA_QUOTA);
    }

    public WebAccess withQuota(long bytes) {
        return new WebAccess(host, apiToken, allowedHosts, bytes);
    }

    /** Whether only this machine can reach the port (then reads need no token). */
    public boolean loopback() {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
