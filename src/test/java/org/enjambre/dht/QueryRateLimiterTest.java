package org.enjambre.dht;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class QueryRateLimiterTest {
    final AtomicLong now = new AtomicLong();
    final QueryRateLimiter limiter = new QueryRateLimiter(10, 5, 3, now::get);

    @Test
    void anAddressGetsItsBurstThenItsRate() {
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.allow("127.0.0.1")).isTrue();
        }
        assertThat(limiter.allow("127.0.0.1")).isFalse();
        assertThat(limiter.allow("127.0.0.2")).as("another address is not held back").isTrue();
        now.addAndGet(100); // 10 a second: one more
        assertThat(limiter.allow("127.0.0.1")).isTrue();
        assertThat(limiter.allow("127.0.0.1")).isFalse();
    }

    @Test
    void onlyTheNewestAddressesAreRemembered() {
        for (int i = 0; i < 5; i++) {
            limiter.allow("127.0.0.1");
        }
        limiter.allow("127.0.0.2");
        limiter.allow("127.0.0.3");
        limiter.allow("127.0.0.4"); // 127.0.0.1 is forgotten: it starts afresh
        assertThat(limiter.allow("127.0.0.1")).isTrue();
    }
}
