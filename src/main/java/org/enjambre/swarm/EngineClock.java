package org.enjambre.swarm;

import io.vertx.core.Vertx;

/**
 * Time for the engine's components: the monotonic clock and one-shot timers. In production it is
 * {@link System#nanoTime()} and Vert.x timers on the engine's context; unit tests drive a manual
 * one, so that no test of a component ever sleeps.
 */
public interface EngineClock {
    long nanoTime();

    /** Runs {@code action} on the engine's context after {@code delayMillis} (at least 1). */
    void schedule(long delayMillis, Runnable action);

    static EngineClock of(Vertx vertx) {
        return new EngineClock() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void schedule(long delayMillis, Runnable action) {
                vertx.setTimer(Math.max(1, delayMillis), id -> action.run());
            }
        };
    }
}
