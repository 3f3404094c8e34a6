package org.enjambre.swarm;

import java.util.EnumSet;
import java.util.Locale;
import org.enjambre.wire.Handshake;
import org.enjambre.wire.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wire timeline of one connection, for finding where the first seconds of a transfer go: when
 * the handshake, the bitfield (or {@code have all}), {@code interested}, {@code unchoke} and the
 * first request and block crossed in each direction, and every {@link #SAMPLE_MILLIS} ms the rates
 * and the requests in flight each way. Off by default: the logger {@code enjambre.timeline} at
 * DEBUG turns it on ({@code ENJAMBRE_TIMELINE=DEBUG} in the environment, see logback.xml). Times
 * are wall-clock milliseconds since the connection was made (the engine's clock may be a test's). Used only on the engine's context.
 */
final class WireTimeline {
    private static final Logger LOG = LoggerFactory.getLogger("enjambre.timeline");
    /** Whether connections keep a timeline: decided once, so that a disabled one costs a null check. */
    static final boolean ENABLED = LOG.isDebugEnabled();
    /** Samples this far apart over the first seconds, where the ramp-up happens; then once a second. */
    static final long SAMPLE_MILLIS = 100;
    static final long RAMP_MILLIS = 10_000;

    /** Messages whose first crossing each way is worth a line (every one of the state changes is). */
    private enum Kind { REQUEST, PIECE, HAVE, EXTENDED, OTHER }

    private final String peer;
    private final long startNanos;
    private final EnumSet<Kind> receivedOnce = EnumSet.noneOf(Kind.class);
    private final EnumSet<Kind> sentOnce = EnumSet.noneOf(Kind.class);
    private long requestsReceived;
    private long requestsSent;
    private long blocksReceived;
    private long blocksSent;
    private long bytesReceived;
    private long bytesSent;
    private long sampleNanos;
    private long sampleBytesReceived;
    private long sampleBytesSent;
    private boolean quiet;

    /** A timeline for a new connection, or null when timelines are off. */
    static WireTimeline open(String peer) {
        if (!ENABLED) {
            return null;
        }
        WireTimeline t = new WireTimeline(peer, System.nanoTime());
        t.line("connected");
        return t;
    }

    private WireTimeline(String peer, long nowNanos) {
        this.peer = peer;
        this.startNanos = nowNanos;
        this.sampleNanos = nowNanos;
    }

    void received(Object item) {
        switch (item) {
            case Handshake h -> line("<- handshake " + client(h) + (FastExtension.negotiated(h) ? " fast" : "")
                    + (h.supportsExtensions() ? " ext" : ""));
            case Message.Piece p -> {
                blocksReceived++;
                bytesReceived += p.length();
                first(receivedOnce, Kind.PIECE, "<- first block " + p.index() + "/" + p.begin());
            }
            case Message.Request r -> {
                requestsReceived++;
                first(receivedOnce, Kind.REQUEST, "<- first request " + r.index() + "/" + r.begin());
            }
            case Message.Have h -> first(receivedOnce, Kind.HAVE, "<- first have " + h.index());
            case Message.Extended e -> first(receivedOnce, Kind.EXTENDED, "<- extended " + e.extendedId());
            case Message.KeepAlive _ -> {
            }
            case Message m -> line("<- " + name(m));
            default -> first(receivedOnce, Kind.OTHER, "<- " + item);
        }
        sample(System.nanoTime());
    }

    void sent(Message m) {
        switch (m) {
            case Message.Request _ -> sentRequests(1);
            case Message.Have h -> first(sentOnce, Kind.HAVE, "-> first have " + h.index());
            case Message.Extended e -> first(sentOnce, Kind.EXTENDED, "-> extended " + e.extendedId());
            case Message.KeepAlive _, Message.Cancel _ -> {
            }
            default -> line("-> " + name(m));
        }
        sample(System.nanoTime());
    }

    void sentRequests(int count) {
        requestsSent += count;
        first(sentOnce, Kind.REQUEST, "-> first requests (" + count + ")");
        sample(System.nanoTime());
    }

    void sentBlock(int length) {
        blocksSent++;
        bytesSent += length;
        first(sentOnce, Kind.PIECE, "-> first block");
        sample(System.nanoTime());
    }

    void closed(String reason) {
        line("closed" + (reason == null ? "" : ": " + reason) + "; " + counts());
    }

    /** One line per sample interval while data moves: rates each way and requests in flight each way. */
    private void sample(long now) {
        long elapsedMillis = (now - sampleNanos) / 1_000_000;
        long every = (now - startNanos) / 1_000_000 < RAMP_MILLIS ? SAMPLE_MILLIS : 1000;
        if (elapsedMillis < every) {
            return;
        }
        long rx = bytesReceived - sampleBytesReceived;
        long tx = bytesSent - sampleBytesSent;
        if (rx == 0 && tx == 0 && quiet) {
            sampleNanos = now;
            return; // idle: one line says so, not one per interval
        }
        quiet = rx == 0 && tx == 0;
        double seconds = elapsedMillis / 1000.0;
        line(String.format(Locale.ROOT, "rx %.1f MiB/s tx %.1f MiB/s; %s", rx / seconds / (1 << 20),
                tx / seconds / (1 << 20), counts()));
        sampleNanos = now;
        sampleBytesReceived = bytesReceived;
        sampleBytesSent = bytesSent;
    }

    private String counts() {
        return "ours in flight " + (requestsSent - blocksReceived) + ", theirs in flight "
                + (requestsReceived - blocksSent) + ", blocks rx " + blocksReceived + " tx " + blocksSent;
    }

    private void first(EnumSet<Kind> seen, Kind kind, String what) {
        if (seen.add(kind)) {
            line(what);
        }
    }

    /**
     * The peer id's first 8 bytes (BEP 20 clients name themselves there, {@code -LT2080-}), so that a
     * mixed swarm's timelines say which client each incoming connection is; other bytes print as '?'.
     */
    static String client(Handshake h) {
        StringBuilder s = new StringBuilder(8);
        for (int i = 0; i < 8; i++) {
            int c = h.peerId()[i] & 0xff;
            s.append(c >= 0x21 && c <= 0x7e ? (char) c : '?');
        }
        return s.toString();
    }

    private static String name(Message m) {
        return m.getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }

    private void line(String what) {
        LOG.debug("{} +{} ms {}", peer, String.format(Locale.ROOT, "%.1f", (System.nanoTime() - startNanos) / 1e6),
                what);
    }
}
