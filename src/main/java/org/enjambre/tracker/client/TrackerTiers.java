package org.enjambre.tracker.client;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * The trackers of one torrent as BEP 12 tiers: a list of tiers, each a list of announce URLs.
 * When the torrent has an {@code announce-list} it is used and {@code announce} is ignored;
 * otherwise {@code announce} alone is one tier. Each tier is shuffled once, at creation; a URL that
 * answers is moved to the front of its tier ({@link #promote}), so later announces try it first.
 *
 * <p>Only {@code http://}, {@code https://} and {@code udp://} (BEP 15, with a port) URLs are kept:
 * anything else is skipped with a log line; a URL listed twice is kept once; empty tiers are dropped.
 * Thread-safe: reads take a snapshot, {@link #promote} swaps under a lock.
 */
public final class TrackerTiers {
    private static final Logger LOG = LoggerFactory.getLogger(TrackerTiers.class);

    private final List<List<String>> tiers;

    private TrackerTiers(List<List<String>> tiers) {
        this.tiers = tiers;
    }

    /**
     * The tiers of a torrent, each shuffled as BEP 12 asks.
     *
     * @param announce     the metainfo's {@code announce}, or {@code null}
     * @param announceList the metainfo's {@code announce-list}, or {@code null}/empty
     */
    public static TrackerTiers of(String announce, List<List<String>> announceList) {
        return of(announce, announceList, new Random());
    }

    /** As {@link #of(String, List)}, shuffling with {@code random} (a seeded one makes tests repeatable). */
    public static TrackerTiers of(String announce, List<List<String>> announceList, Random random) {
        TrackerTiers t = inOrder(announce, announceList);
        for (List<String> tier : t.tiers) {
            Collections.shuffle(tier, random);
        }
        return t;
    }

    /**
     * The tiers in the given order, not shuffled: for URLs a user listed in order of preference
     * ({@code --tracker} flags) and for tests that check failover order.
     */
    public static TrackerTiers inOrder(String announce, List<List<String>> announceList) {
        List<List<String>> source = new ArrayList<>();
        if (announceList != null && announceList.stream().anyMatch(tier -> tier != null && !tier.isEmpty())) {
            source.addAll(announceList);
        } else if (announce != null && !announce.isBlank()) {
            source.add(List.of(announce));
        }
        Set<String> seen = new HashSet<>();
        List<List<String>> kept = new ArrayList<>();
        for (List<String> tier : source) {
            if (tier == null) {
                continue;
            }
            List<String> urls = new ArrayList<>();
            for (String url : tier) {
                if (url != null && usable(url.trim()) && seen.add(url.trim())) {
                    urls.add(url.trim());
                }
            }
            if (!urls.isEmpty()) {
                kept.add(urls);
            }
        }
        return new TrackerTiers(kept);
    }

    private static boolean usable(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            LOG.warn("tracker {} skipped: not a valid URL ({})", redact(url), e.getReason());
            return false;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") && !scheme.equals("udp")) {
            LOG.warn("tracker {} skipped: only http://, https:// and udp:// trackers are supported", redact(url));
            return false;
        }
        if (uri.getHost() == null) {
            LOG.warn("tracker {} skipped: no host", redact(url));
            return false;
        }
        if (scheme.equals("udp") && uri.getPort() < 1) {
            LOG.warn("tracker {} skipped: a udp:// tracker needs a port", redact(url));
            return false;
        }
        return true;
    }

    /**
     * The URL as it may appear in a log line or an error message: private trackers put a passkey
     * in the query or the user info, so both are replaced by {@code …}.
     */
    public static String redact(String url) {
        String out = url;
        int query = out.indexOf('?');
        if (query >= 0) {
            out = out.substring(0, query) + "?…";
        }
        int scheme = out.indexOf("://");
        int at = out.indexOf('@');
        int path = out.indexOf('/', scheme < 0 ? 0 : scheme + 3);
        if (scheme >= 0 && at > scheme && (path < 0 || at < path)) {
            out = out.substring(0, scheme + 3) + "…@" + out.substring(at + 1);
        }
        return out;
    }

    /** A copy of the tiers, in the order they will be tried now. */
    public synchronized List<List<String>> snapshot() {
        List<List<String>> copy = new ArrayList<>(tiers.size());
        for (List<String> tier : tiers) {
            copy.add(List.copyOf(tier));
        }
        return List.copyOf(copy);
    }

    /** No usable tracker at all (none given, or none of a supported scheme). */
    public synchronized boolean isEmpty() {
        return tiers.isEmpty();
    }

    /** Every usable URL, tier by tier. */
    public synchronized List<String> urls() {
        return tiers.stream().flatMap(List::stream).toList();
    }

    /** Moves {@code url} to the front of its tier (BEP 12: the tracker that answered is tried first next time). */
    public synchronized void promote(String url) {
        for (List<String> tier : tiers) {
            int at = tier.indexOf(url);
            if (at > 0) {
                tier.remove(at);
                tier.add(0, url);
                return;
            }
        }
    }

    @Override
    public synchronized String toString() {
        return tiers.toString();
    }
}
