package org.enjambre.net;

import io.vertx.core.shareddata.Shareable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The slots of one listening port: how many sockets each remote address holds, and how many are
 * still half-open (accepted, not yet past their greeting: the BitTorrent handshake, the first
 * HTTP request's headers). A socket past either cap is refused at once, counted, and logged at most
 * once per address per {@link #LOG_INTERVAL_NANOS}, so that a flood of refusals cannot flood the
 * log as well. Thread-safe: the sockets of one port may live on several event loops.
 */
public final class ConnectionSlots implements Shareable {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionSlots.class);
    /** One refusal line per address per minute. */
    static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** Addresses remembered for the log's rate limit; past this the memory starts over. */
    static final int MAX_LOGGED_ADDRESSES = 4096;

    /**
     * @param maxHalfOpen    sockets of the port not yet past their greeting, all addresses together
     * @param maxPerAddress  sockets of the port one remote address may hold, greeted or not
     */
    public record Limits(int maxHalfOpen, int maxPerAddress) {
        public Limits {
            if (maxHalfOpen < 1 || maxPerAddress < 1) {
                throw new IllegalArgumentException("connection caps must be positive: half-open " + maxHalfOpen
                        + ", per address " + maxPerAddress);
            }
        }
    }

    /** Why a socket was refused. */
    public enum Refusal {
        HALF_OPEN_CAP("too many half-open connections"),
        ADDRESS_CAP("too many connections from this address");

        private final String reason;

        Refusal(String reason) {
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    /** What {@link #admit} decided. */
    public sealed interface Admission permits Admitted, Refused {
    }

    /** The socket holds a slot until {@link Slot#release()}. */
    public record Admitted(Slot slot) implements Admission {
    }

    public record Refused(Refusal refusal) implements Admission {
    }

    private final String port;
    private final Limits limits;
    private final Map<String, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    private final AtomicInteger halfOpen = new AtomicInteger();
    private final AtomicLong refusedHalfOpen = new AtomicLong();
    private final AtomicLong refusedAddress = new AtomicLong();
    private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();

    /** @param port a name for the log ("peer port", "tracker HTTP port") */
    public ConnectionSlots(String port, Limits limits) {
        this.port = port;
        this.limits = limits;
    }

    public Limits limits() {
        return limits;
    }

    /** Takes a half-open slot for a socket from {@code address} (an IP literal), or refuses it. */
    public Admission admit(String address) {
        // The count changes only inside compute(): an address's entry is removed and created again
        // atomically, so no slot is ever taken on a counter that has left the map.
        boolean[] taken = {false};
        perAddress.compute(address, (a, count) -> {
            int held = count == null ? 0 : count.get();
            if (held >= limits.maxPerAddress()) {
                return count;
            }
            taken[0] = true;
            AtomicInteger c = count == null ? new AtomicInteger() : count;
            c.incrementAndGet();
            return c;
        });
        if (!taken[0]) {
            return refuse(address, Refusal.ADDRESS_CAP);
        }
        if (halfOpen.incrementAndGet() > limits.maxHalfOpen()) {
            halfOpen.decrementAndGet();
            release(address);
            return refuse(address, Refusal.HALF_OPEN_CAP);
        }
        return new Admitted(new Slot(address));
    }

    private Refused refuse(String address, Refusal refusal) {
        (refusal == Refusal.HALF_OPEN_CAP ? refusedHalfOpen : refusedAddress).incrementAndGet();
        long now = System.nanoTime();
        Long last = lastLogged.get(address);
        if (last == null || now - last >= LOG_INTERVAL_NANOS) {
            if (lastLogged.size() >= MAX_LOGGED_ADDRESSES) {
                lastLogged.clear();
            }
            lastLogged.put(address, now);
            LOG.warn("{}: refusing connections from {}: {} (half-open cap {}, per-address cap {}; "
                    + "further refusals from it are counted, not logged, for a minute)",
                    port, address, refusal.reason(), limits.maxHalfOpen(), limits.maxPerAddress());
        }
        return new Refused(refusal);
    }

    private void release(String address) {
        // An address that comes and goes must not keep its entry forever.
        perAddress.computeIfPresent(address, (a, c) -> c.decrementAndGet() <= 0 ? null : c);
    }

    /** Sockets refused because the half-open cap was reached, since start. */
    public long refusedHalfOpen() {
        return refusedHalfOpen.get();
    }

    /** Sockets refused because their address held its cap, since start. */
    public long refusedPerAddress() {
        return refusedAddress.get();
    }

    /** Sockets half-open right now. */
    public int halfOpen() {
        return halfOpen.get();
    }

    /** Sockets {@code address} holds right now. */
    public int held(String address) {
        AtomicInteger count = perAddress.get(address);
        return count == null ? 0 : Math.max(0, count.get());
    }

    /** One admitted socket's slot: half-open until {@link #greeted()}, held until {@link #release()}. */
    public final class Slot {
        private static final int GREETED = 1;
        private static final int RELEASED = 2;
        /** One field for both flags (an updater, not two atomics): a slot is taken per connection. */
        private static final AtomicIntegerFieldUpdater<Slot> STATE = AtomicIntegerFieldUpdater.newUpdater(Slot.class, "state");
        private final String address;
        private volatile int state;

        private Slot(String address) {
            this.address = address;
        }

        /** The socket passed its greeting: it no longer counts as half-open (still against its address). */
        public void greeted() {
            int s;
            do {
                s = state;
                if (s != 0) {
                    return;
                }
            } while (!STATE.compareAndSet(this, s, GREETED));
            halfOpen.decrementAndGet();
        }

        /** The socket closed; idempotent. */
        public void release() {
            int s;
            do {
                s = state;
                if ((s & RELEASED) != 0) {
                    return;
                }
            } while (!STATE.compareAndSet(this, s, GREETED | RELEASED));
            if ((s & GREETED) == 0) {
                halfOpen.decrementAndGet();
            }
            ConnectionSlots.this.release(address);
        }
    }
}
