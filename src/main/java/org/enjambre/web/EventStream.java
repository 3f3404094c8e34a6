package org.enjambre.web;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code GET /api/events}: Server-Sent Events, the swarm document as {@code event: swarm} every
 * period. The dashboard reads it with {@code fetch} (so that it sends the token in a header, which
 * {@code EventSource} cannot). A browser that stops reading is dropped rather than buffered.
 */
final class EventStream {
    /** Event streams open at once; more get 503. */
    static final int MAX_EVENT_STREAMS = 64;

    private final Supplier<String> document;
    private final Set<HttpServerResponse> streams = new HashSet<>();

    EventStream(Supplier<String> document) {
        this.document = document;
    }

    void open(RoutingContext ctx) {
        if (streams.size() >= MAX_EVENT_STREAMS) {
            Replies.error(ctx, 503, "too many open event streams (limit " + MAX_EVENT_STREAMS + ")");
            return;
        }
        HttpServerResponse r = ctx.response();
        r.setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-store")
                .putHeader("X-Accel-Buffering", "no");
        streams.add(r);
        r.closeHandler(v -> streams.remove(r));
        r.write("retry: 2000\n\n");
        send(r, document.get());
    }

    void push() {
        if (streams.isEmpty()) {
            return;
        }
        String doc = document.get();
        for (HttpServerResponse r : List.copyOf(streams)) {
            if (r.writeQueueFull()) {
                streams.remove(r);
                r.reset();
            } else {
                send(r, doc);
            }
        }
    }

    void closeAll() {
        for (HttpServerResponse r : List.copyOf(streams)) {
            r.end();
        }
        streams.clear();
    }

    private static void send(HttpServerResponse r, String json) {
        if (!r.closed() && !r.ended()) {
            r.write("event: swarm\ndata: " + json + "\n\n");
        }
    }
}
