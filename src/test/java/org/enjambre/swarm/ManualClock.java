package org.enjambre.swarm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A clock the test moves by hand; timers run when the clock passes them. No sleeping. */
public final class ManualClock implements EngineClock {
    private record Timer(long dueNanos, long order, Runnable action) {
    }

    private long now = 1_000_000_000L;
    private long order;
    private final List<Timer> timers = new ArrayList<>();

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public void schedule(long delayMillis, Runnable action) {
        timers.add(new Timer(now + TimeUnit.MILLISECONDS.toNanos(Math.max(1, delayMillis)), order++, action));
    }

    /** Moves time forward, running each timer due on the way at its own time. */
    public void advanceMillis(long millis) {
        long end = now + TimeUnit.MILLISECONDS.toNanos(millis);
        for (int guard = 0; guard < 100_000; guard++) {
            Timer next = timers.stream().filter(t -> t.dueNanos() <= end)
                    .min(Comparator.comparingLong(Timer::dueNanos).thenComparingLong(Timer::order)).orElse(null);
            if (next == null) {
                break;
            }
            timers.remove(next);
            now = Math.max(now, next.dueNanos());
            next.action().run();
        }
        now = end;
    }

    public int pendingTimers() {
        return timers.size();
    }
}
