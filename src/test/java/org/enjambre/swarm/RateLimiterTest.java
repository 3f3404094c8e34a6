package org.enjambre.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateLimiterTest {
    /** Sends 16 KiB blocks as fast as the limiter allows for about {@code millis}; returns bytes/s. */
    static double measure(RateLimiter limiter, long millis) throws InterruptedException {
        long start = System.nanoTime();
        long sent = 0;
        while (System.nanoTime() - start < millis * 1_000_000L) {
            long wait = limiter.acquire(16 * 1024);
            if (wait > 0) {
                Thread.sleep(wait);
            } else {
                sent += 16 * 1024;
            }
        }
        return sent / ((System.nanoTime() - start) / 1e9);
    }

    @Test
    void unlimitedNeverWaits() {
        RateLimiter limiter = RateLimiter.unlimited();
        for (int i = 0; i < 1000; i++) {
            assertThat(limiter.acquire(16384)).isZero();
        }
        assertThat(limiter.limited()).isFalse();
    }

    @Test
    void averageHoldsTheRate() throws Exception {
        double rate = measure(new RateLimiter(512 * 1024), 1500);
        assertThat(rate).isBetween(512 * 1024 * 0.8, 512 * 1024 * 1.3);
    }

    @Test
    void aTorrentLimitUnderANodeLimitObeysTheLowerOfTheTwo() throws Exception {
        RateLimiter node = new RateLimiter(256 * 1024);
        RateLimiter torrent = new RateLimiter(4 * 1024 * 1024, node);
        assertThat(torrent.limited()).isTrue();
        double rate = measure(torrent, 1500);
        assertThat(rate).isBetween(256 * 1024 * 0.7, 256 * 1024 * 1.4);
    }

    @Test
    void twoTorrentsShareOneNodeLimit() throws Exception {
        RateLimiter node = new RateLimiter(512 * 1024);
        RateLimiter a = new RateLimiter(0, node);
        RateLimiter b = new RateLimiter(0, node);
        long start = System.nanoTime();
        long sent = 0;
        while (System.nanoTime() - start < 1_500_000_000L) {
            long wa = a.acquire(16384);
            long wb = b.acquire(16384);
            sent += (wa == 0 ? 16384 : 0) + (wb == 0 ? 16384 : 0);
            if (wa > 0 && wb > 0) {
                Thread.sleep(Math.min(wa, wb));
            }
        }
        double rate = sent / ((System.nanoTime() - start) / 1e9);
        assertThat(rate).isBetween(512 * 1024 * 0.7, 512 * 1024 * 1.4);
    }

    @Test
    void receivedBytesAreCountedAndTheDebtSaysHowLongToPause() {
        RateLimiter limiter = new RateLimiter(100_000);
        long pause = limiter.consume(200_000);
        // About two seconds of debt minus the small initial allowance.
        assertThat(pause).isBetween(1_500L, 2_100L);
    }

    @Test
    void aPacerMayBatchAFewBlocksButNeverLongerThanHalfTheBurst() {
        assertThat(new RateLimiter(4_000_000).batchMillis(10)).isEqualTo(10);
        // 256 KiB of burst fills in 2.6 ms at 100 MB/s: waiting 10 ms would waste tokens.
        assertThat(new RateLimiter(100_000_000).batchMillis(10)).isEqualTo(1);
        assertThat(new RateLimiter(0, new RateLimiter(100_000_000)).batchMillis(10)).isEqualTo(1);
        assertThat(RateLimiter.unlimited().batchMillis(10)).isEqualTo(10);
    }

    @Test
    void aPacerThatWakesInBatchesKeepsTheRate() throws Exception {
        long rateLimit = 40_000_000;
        RateLimiter limiter = new RateLimiter(rateLimit);
        long start = System.nanoTime();
        long sent = 0;
        int wakeUps = 0;
        while (System.nanoTime() - start < 1_000_000_000L) {
            long wait;
            while ((wait = limiter.acquire(16384)) == 0) {
                sent += 16384;
            }
            wakeUps++;
            Thread.sleep(Math.max(wait, limiter.batchMillis(10)));
        }
        double rate = sent / ((System.nanoTime() - start) / 1e9);
        assertThat(rate).isBetween(rateLimit * 0.8, rateLimit * 1.3);
        assertThat(wakeUps).isLessThan(400); // several blocks per wake-up, not one
    }
}
