package org.enjambre.tracker.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The per-address counts behind the tracker's peers-per-address cap; {@link SwarmRulesTest} checks the cap itself. */
class AddressCountsTest {
    /**
     * Hashes folded to 0 (both halves equal), 4 and 2: with four buckets A and 4 share bucket 0
     * and 2 has its own; with more buckets all three are apart.
     */
    static final long A = 0x1_0000_0001L;
    static final long SAME_BUCKET_AS_A = 4;
    static final long OTHER = 2;

    @Test
    void peersAreCountedPerAddressUpAndDown() {
        AddressCounts counts = new AddressCounts();
        counts.add(A, 1);
        counts.add(A, 1);
        counts.add(OTHER, 1);

        assertThat(counts.count(A)).isEqualTo(2);
        assertThat(counts.count(OTHER)).isEqualTo(1);

        counts.add(A, -1);
        counts.add(A, -1);
        counts.add(A, -1); // one too many: a count never goes below zero
        assertThat(counts.count(A)).isZero();
        assertThat(counts.count(OTHER)).isEqualTo(1);
    }

    @Test
    void addressesSharingABucketAreCountedTogetherNeverUnder() {
        AddressCounts counts = new AddressCounts();
        counts.add(A, 1);
        counts.add(SAME_BUCKET_AS_A, 1);

        assertThat(counts.count(A)).isEqualTo(2);
        assertThat(counts.count(SAME_BUCKET_AS_A)).isEqualTo(2);
    }

    @Test
    void aFullBucketStaysFullUntilTheCountsAreRebuilt() {
        AddressCounts counts = new AddressCounts();
        for (int i = 0; i < 300; i++) {
            counts.add(A, 1);
        }
        assertThat(counts.count(A)).isEqualTo(255);

        for (int i = 0; i < 10; i++) {
            counts.add(A, -1); // 290 peers may still hide in it: it must not read less than the cap
        }
        assertThat(counts.count(A)).isEqualTo(255);

        counts.resize(64);
        assertThat(counts.count(A)).isZero();
        counts.add(A, 1);
        assertThat(counts.count(A)).isEqualTo(1);
    }

    @Test
    void moreBucketsForALargerIndexSeparateWhatFewerBucketsMixed() {
        AddressCounts counts = new AddressCounts();
        counts.resize(1024); // 512 buckets: the low nine bits of the folded hash decide
        counts.add(A, 1);
        counts.add(SAME_BUCKET_AS_A, 1);
        assertThat(counts.count(A)).isEqualTo(1);

        counts.clear(); // back to four buckets
        counts.add(A, 1);
        counts.add(SAME_BUCKET_AS_A, 1);
        assertThat(counts.count(A)).isEqualTo(2);
    }
}
