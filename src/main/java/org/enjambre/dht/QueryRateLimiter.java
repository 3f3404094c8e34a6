package org.enjambre.dht;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A token bucket per source IP for incoming queries, so one address cannot make a node spend its
 * CPU and upload answering it. The number of addresses remembered is capped (least recently seen
 * forgotten first), so a flood from many addresses cannot fill the heap either.
 *
 * @see #defaults
 */
public final class QueryRateLimiter {
    private final double perSecond;
    private final double burst;
    private final int maxAddresses;
    private final LongSupplier clockMillis;
    private final LinkedHashMap<String, double[]> buckets;

    /**
     * @param perSecond    queries per second each address may send over time
     * @param burst        queries an address may send at once
     * @param maxAddresses addresses remembered at once
     */
    public QueryRateLimiter(double perSecond, double burst, int maxAddresses, LongSupplier clockMillis) {
        this.perSecond = perSecond;
        this.burst = burst;
        this.maxAddresses = maxAddresses;
        this.clockMillis = clockMillis;
        this.buckets = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, double[]> eldest) {
                return size() > QueryRateLimiter.this.maxAddresses;
            }
        };
    }

    /** 20 queries a second with bursts of 50, for 10,000 addresses: generous to a busy client, not to a flood. */
    public static QueryRateLimiter defaults(LongSupplier clockMillis) {
        return new QueryRateLimiter(20, 50, 10_000, clockMillis);
    }

    /** Whether a query from this IP may be answered now (and takes one token if so). */
    public boolean allow(String ip) {
        long now = clockMillis.getAsLong();
        double[] b = buckets.get(ip);
        if (b == null) {
            b = new double[] {burst, now};
            buckets.put(ip, b);
        } else {
            b[0] = Math.min(burst, b[0] + (now - b[1]) * perSecond / 1000.0);
            b[1] = now;
        }
        if (b[0] < 1) {
            return false;
        }
        b[0] -= 1;
        return true;
    }
}
