package org.enjambre.tracker.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TrackerLimitsTest {
    static final long MIB = 1024 * 1024;

    @Test
    void theCapsGrowWithTheHeapAndFitInIt() {
        TrackerLimits small = TrackerLimits.fromHeap(384 * MIB);
        TrackerLimits large = TrackerLimits.fromHeap(4096 * MIB);
        assertThat(large.swarms()).isGreaterThan(small.swarms());
        assertThat(large.peersPerSwarm()).isGreaterThan(small.peersPerSwarm());
        // The 384 MB node ran out of memory at 600,000 swarms: its cap is far below.
        assertThat(small.swarms()).isBetween(100_000, 300_000);
        // At the cap, swarm copies and one full swarm (both copies) take at most the registry's share.
        long used = (long) small.swarms() * TrackerLimits.BYTES_PER_SWARM
                + 2L * small.peersPerSwarm() * TrackerLimits.BYTES_PER_PEER;
        assertThat(used).isLessThan((long) (384 * MIB * TrackerLimits.REGISTRY_SHARE));
        assertThat(small.peersPerAddress()).isEqualTo(TrackerLimits.DEFAULT_PEERS_PER_ADDRESS);
    }

    @Test
    void aTinyHeapStillServesSomeSwarms() {
        TrackerLimits tiny = TrackerLimits.fromHeap(16 * MIB);
        assertThat(tiny.swarms()).isGreaterThanOrEqualTo(1_000);
        assertThat(tiny.peersPerSwarm()).isGreaterThanOrEqualTo(1_000);
    }

    @Test
    void nonsenseLimitsAreRefused() {
        assertThatThrownBy(() -> new TrackerLimits(0, 1, 1, 0.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TrackerLimits(1, 1, 255, 0.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TrackerLimits(1, 1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
