package org.enjambre.swarm;

/**
 * A token bucket in bytes per second (unlimited when the rate is 0). Tokens may go negative: a
 * block is sent whole and the debt delays the next one, so the average holds without splitting
 * blocks. The burst is one second of tokens.
 */
public final class RateLimiter {
    private final long bytesPerSecond;
    private double tokens;
    private long lastNanos;

    public RateLimiter(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("rate must be >= 0");
        }
        this.bytesPerSecond = bytesPerSecond;
        this.lastNanos = System.nanoTime();
        this.tokens = bytesPerSecond == 0 ? 0 : Math.min(bytesPerSecond, 16 * 1024);
    }

    public static RateLimiter unlimited() {
        return new RateLimiter(0);
    }

    public boolean limited() {
        return bytesPerSecond > 0;
    }

    /**
     * Milliseconds to wait before {@code bytes} may be sent; 0 means take them now (the tokens are
     * taken). When positive nothing is taken: ask again after the delay.
     */
    public long acquire(int bytes) {
        if (bytesPerSecond == 0) {
            return 0;
        }
        long now = System.nanoTime();
        tokens = Math.min(bytesPerSecond, tokens + (now - lastNanos) * (double) bytesPerSecond / 1e9);
        lastNanos = now;
        if (tokens > 0) {
            tokens -= bytes;
            return 0;
        }
        return Math.max(1, (long) Math.ceil(-tokens * 1000.0 / bytesPerSecond));
    }
}
