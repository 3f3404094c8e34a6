package org.enjambre.swarm;

/**
 * A token bucket in bytes per second (unlimited when the rate is 0). Tokens may go negative: a
 * block is sent whole and the debt delays the next one, so the average holds without splitting
 * blocks. The burst is one second of tokens (at most {@link #MAX_BURST} bytes ahead).
 *
 * <p>A limiter may have a parent (the node's limit above a torrent's): bytes are taken from both,
 * and the wait is the longer of the two. Thread-safe, because one node limiter serves every
 * torrent of a node.
 */
public final class RateLimiter {
    /** The most a bucket may save up: a fast burst after a quiet second stays short. */
    static final long MAX_BURST = 256 * 1024;

    private final long bytesPerSecond;
    private final RateLimiter parent;
    private final java.util.function.LongSupplier nanoTime;
    private double tokens;
    private long lastNanos;

    public RateLimiter(long bytesPerSecond) {
        this(bytesPerSecond, null);
    }

    /** @param parent a shared limit this one also obeys (null for none) */
    public RateLimiter(long bytesPerSecond, RateLimiter parent) {
        this(bytesPerSecond, parent, System::nanoTime);
    }

    /** @param nanoTime the clock that refills the bucket (a manual one in unit tests) */
    RateLimiter(long bytesPerSecond, RateLimiter parent, java.util.function.LongSupplier nanoTime) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("rate must be >= 0");
        }
        this.bytesPerSecond = bytesPerSecond;
        this.parent = parent;
        this.nanoTime = nanoTime;
        this.lastNanos = nanoTime.getAsLong();
        this.tokens = bytesPerSecond == 0 ? 0 : Math.min(bytesPerSecond, 16 * 1024);
    }

    public static RateLimiter unlimited() {
        return new RateLimiter(0);
    }

    /** Whether this limiter or its parent limits anything. */
    public boolean limited() {
        return bytesPerSecond > 0 || (parent != null && parent.limited());
    }

    public long rate() {
        return bytesPerSecond;
    }

    /**
     * Milliseconds to wait before {@code bytes} may be sent; 0 means take them now (the tokens are
     * taken here and in the parent). When positive nothing is taken: ask again after the delay.
     */
    public long acquire(int bytes) {
        long wait = Math.max(waitMillis(), parent == null ? 0 : parent.waitMillis());
        if (wait > 0) {
            return wait;
        }
        take(bytes);
        return 0;
    }

    /** The rate that binds: the lower of this limiter's and its parent's, 0 when neither limits. */
    public long effectiveRate() {
        long parentRate = parent == null ? 0 : parent.effectiveRate();
        if (bytesPerSecond == 0 || parentRate == 0) {
            return Math.max(bytesPerSecond, parentRate);
        }
        return Math.min(bytesPerSecond, parentRate);
    }

    /**
     * How long a caller may wait to send several blocks at once, at most {@code preferredMillis}:
     * no longer than half the burst takes to fill at the fastest rate that applies (here or in the
     * parent), so that waiting never costs tokens to the burst cap. At least 1 ms.
     */
    public long batchMillis(long preferredMillis) {
        long fastest = Math.max(bytesPerSecond, parent == null ? 0 : parent.bytesPerSecond);
        if (fastest == 0) {
            return Math.max(1, preferredMillis);
        }
        long halfBurstMillis = Math.min(fastest, MAX_BURST) * 1000 / (2 * fastest);
        return Math.max(1, Math.min(preferredMillis, halfBurstMillis));
    }

    /**
     * Takes {@code bytes} that already went through (received data cannot be refused), here and
     * in the parent; returns how long to pause before taking more, 0 for not at all.
     */
    public long consume(int bytes) {
        take(bytes);
        return Math.max(waitMillis(), parent == null ? 0 : parent.waitMillis());
    }

    private synchronized void take(int bytes) {
        if (bytesPerSecond > 0) {
            tokens -= bytes;
        }
        if (parent != null) {
            parent.take(bytes);
        }
    }

    private synchronized long waitMillis() {
        if (bytesPerSecond == 0) {
            return 0;
        }
        long now = nanoTime.getAsLong();
        tokens = Math.min(Math.min(bytesPerSecond, MAX_BURST), tokens + (now - lastNanos) * (double) bytesPerSecond / 1e9);
        lastNanos = now;
        return tokens > 0 ? 0 : Math.max(1, (long) Math.ceil(-tokens * 1000.0 / bytesPerSecond));
    }
}
