package org.enjambre.tracker.hazelcast;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether the heap, as the last garbage collection left it, is past a fraction of its maximum:
 * the JVM's collection-usage thresholds, read without allocating or collecting. Live data, not
 * garbage waiting for the next collection, is what an OutOfMemoryError comes from.
 *
 * <p>Asked on every announce, it reads the pools at most every {@link #RECHECK_NANOS}: a read
 * allocates a {@code MemoryUsage} per pool and calls into the VM (about 2 % of an announce's CPU,
 * JFR), and the answer changes only when a collection ends.
 */
final class HeapGuard {
    /** How long an answer is reused. */
    static final long RECHECK_NANOS = 10_000_000;

    private final List<MemoryPoolMXBean> pools = new ArrayList<>();
    /** The last answer and when it was read; racy on purpose (any recent answer will do). */
    private volatile boolean pressed;
    private volatile long checkedAt = System.nanoTime() - RECHECK_NANOS;

    HeapGuard(double fraction) {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            long max = pool.getUsage().getMax();
            if (pool.getType() == MemoryType.HEAP && pool.isCollectionUsageThresholdSupported() && max > 0
                    && !pool.getName().contains("Eden") && !pool.getName().contains("Survivor")) {
                pool.setCollectionUsageThreshold((long) (max * fraction));
                pools.add(pool);
            }
        }
    }

    /** True while a watched pool stayed above its threshold after its last collection. */
    boolean pressed() {
        long now = System.nanoTime();
        if (now - checkedAt < RECHECK_NANOS) {
            return pressed;
        }
        boolean p = read();
        pressed = p;
        checkedAt = now;
        return p;
    }

    private boolean read() {
        for (MemoryPoolMXBean pool : pools) {
            if (pool.isCollectionUsageThresholdExceeded()) {
                return true;
            }
        }
        return false;
    }
}
