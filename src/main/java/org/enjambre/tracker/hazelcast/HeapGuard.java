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
 */
final class HeapGuard {
    private final List<MemoryPoolMXBean> pools = new ArrayList<>();

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
        for (MemoryPoolMXBean pool : pools) {
            if (pool.isCollectionUsageThresholdExceeded()) {
                return true;
            }
        }
        return false;
    }
}
