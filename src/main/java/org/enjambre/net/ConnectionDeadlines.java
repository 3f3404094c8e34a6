package org.enjambre.net;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request deadlines of one HTTP server instance's connections: a connection must deliver its
 * first request's headers within the header timeout of its opening, and each next request's
 * within the idle timeout of the previous answer (a keep-alive client that trickles a second
 * request is closed too, not only one that trickles its first); while a request is being answered
 * there is no deadline. One periodic sweep closes the late connections, so a connection costs no
 * timer of its own (a new connection per announce is the tracker's common case), and the sweep
 * stops once no connection is left.
 *
 * <p>Not thread-safe, by design: every method runs on the server instance's event loop (its
 * connection, request and close handlers, and the sweep, which is started from a connection
 * handler and so on the same context).
 */
final class ConnectionDeadlines {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionDeadlines.class);

    private final Vertx vertx;
    private final String name;
    private final long sweepMillis;
    private final Map<HttpConnection, Watch> byConnection = new HashMap<>();
    /** An intrusive list: adding and removing a connection allocates nothing beyond its {@link Watch}. */
    private Watch head;
    private long sweepTimer = -1;

    ConnectionDeadlines(Vertx vertx, String name, long sweepMillis) {
        this.vertx = vertx;
        this.name = name;
        this.sweepMillis = sweepMillis;
    }

    /** One open connection: its slot, and the time by which its next request's headers must be complete. */
    final class Watch implements Handler<Void> {
        private final HttpConnection connection;
        private final ConnectionSlots.Slot slot;
        /** {@link System#nanoTime()} by which the next request's headers must be complete; 0: a request is being answered. */
        private long deadline;
        private boolean firstRequest = true;
        private boolean linked;
        private Watch previous;
        private Watch next;

        private Watch(HttpConnection connection, ConnectionSlots.Slot slot, long deadline) {
            this.connection = connection;
            this.slot = slot;
            this.deadline = deadline;
        }

        /** A request's headers arrived: no deadline while it is answered; the first one ends the half-open time. */
        void requestArrived() {
            deadline = 0;
            if (firstRequest) {
                firstRequest = false;
                slot.greeted();
            }
        }

        /** The answer is written: the next request must come within {@code timeoutNanos}. */
        void answered(long timeoutNanos) {
            if (linked) {
                deadline = nonZero(System.nanoTime() + timeoutNanos);
            }
        }

        /** The connection's close handler: the slot goes back, the watch goes away. */
        @Override
        public void handle(Void closed) {
            slot.release();
            unlink(this);
        }
    }

    /** Watches a newly accepted connection whose first request's headers are due within {@code timeoutNanos}. */
    Watch open(HttpConnection connection, ConnectionSlots.Slot slot, long timeoutNanos) {
        Watch w = new Watch(connection, slot, nonZero(System.nanoTime() + timeoutNanos));
        byConnection.put(connection, w);
        w.linked = true;
        w.next = head;
        if (head != null) {
            head.previous = w;
        }
        head = w;
        if (sweepTimer < 0) {
            sweepTimer = vertx.setPeriodic(sweepMillis, id -> sweep());
        }
        return w;
    }

    /** The watch of {@code connection}, or null if it is closed (or was never admitted). */
    Watch of(HttpConnection connection) {
        return byConnection.get(connection);
    }

    /** Open connections watched right now. */
    int size() {
        return byConnection.size();
    }

    private void unlink(Watch w) {
        if (!w.linked) {
            return;
        }
        w.linked = false;
        byConnection.remove(w.connection);
        if (w.previous != null) {
            w.previous.next = w.next;
        } else {
            head = w.next;
        }
        if (w.next != null) {
            w.next.previous = w.previous;
        }
        w.previous = null;
        w.next = null;
    }

    /** Closes the connections past their deadline; stops the sweep when none is left. */
    void sweep() {
        if (head == null) {
            vertx.cancelTimer(sweepTimer);
            sweepTimer = -1;
            return;
        }
        long now = System.nanoTime();
        Watch w = head;
        while (w != null) {
            Watch next = w.next;
            if (w.deadline != 0 && now - w.deadline >= 0) {
                LOG.debug("{}: closing {}: no complete request headers in time ({})", name,
                        w.connection.remoteAddress(), w.firstRequest ? "first request" : "a later request");
                // Unlinked now (its close handler comes later and then only gives the slot back).
                unlink(w);
                w.connection.close();
            }
            w = next;
        }
    }

    /** 0 means "no deadline": a deadline that happens to be 0 moves by a nanosecond. */
    private static long nonZero(long nanos) {
        return nanos == 0 ? 1 : nanos;
    }

    /** A sweep period a fraction of the shorter timeout (so a deadline is late by at most a fifth), within 20 ms..1 s. */
    static long sweepMillisFor(long shorterTimeoutNanos) {
        return Math.clamp(TimeUnit.NANOSECONDS.toMillis(shorterTimeoutNanos) / 5, 20, 1_000);
    }
}
