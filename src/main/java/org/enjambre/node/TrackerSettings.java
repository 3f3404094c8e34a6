package org.enjambre.node;

import java.util.Set;
import org.enjambre.tracker.protocol.InfoHash;
import org.enjambre.tracker.server.AllowList;

/**
 * What a tracker verticle serves.
 *
 * @param host            HTTP bind address
 * @param port            HTTP port (0: any free port)
 * @param intervalSeconds announce interval given to clients; peers expire after twice that
 * @param allowList       lowercase hex info-hashes served (kept as an {@link AllowList}), or {@code null} for any
 * @param maxUploadBytes  largest REST upload accepted (413 past it)
 * @param udpPort         UDP port of the BEP 15 tracker (0: any free port), or {@link #UDP_OFF}
 */
public record TrackerSettings(String host, int port, int intervalSeconds, Set<String> allowList, long maxUploadBytes,
                              int udpPort) {
    /** No UDP tracker. */
    public static final int UDP_OFF = -1;
    /** Most swarms in a scrape without {@code info_hash} and in {@code GET /api/torrents}. */
    public static final int SCRAPE_ALL_LIMIT = org.enjambre.tracker.server.AnnounceService.SCRAPE_ALL_LIMIT;
    public static final long DEFAULT_MAX_UPLOAD = 64L * 1024 * 1024;

    public TrackerSettings {
        if (intervalSeconds < 1) {
            throw new IllegalArgumentException("interval must be at least 1 second, got " + intervalSeconds);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        if (udpPort < UDP_OFF || udpPort > 65535) {
            throw new IllegalArgumentException("UDP port must be 0..65535, got " + udpPort);
        }
        if (maxUploadBytes < 1) {
            throw new IllegalArgumentException("max upload must be positive, got " + maxUploadBytes);
        }
        // Keyed by the info-hash's bits, so an announce is checked without hex (made once: the
        // settings are copied per port, the list is not).
        allowList = allowList == null ? null : AllowList.copyOf(allowList);
    }

    /** An HTTP tracker only. */
    public TrackerSettings(String host, int port, int intervalSeconds, Set<String> allowList, long maxUploadBytes) {
        this(host, port, intervalSeconds, allowList, maxUploadBytes, UDP_OFF);
    }

    public boolean udp() {
        return udpPort != UDP_OFF;
    }

    /** Clients may not announce more often than this (BEP 3 {@code min interval}). */
    public int minIntervalSeconds() {
        return Math.max(1, intervalSeconds / 2);
    }

    public boolean allowed(String infoHashHex) {
        return allowList == null || allowList.contains(infoHashHex);
    }

    public boolean allowed(InfoHash infoHash) {
        return allowList == null || ((AllowList) allowList).contains(infoHash);
    }
}
