package org.enjambre.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SwarmViewTest {
    static final String HASH = "5de961c2deb577e4047b16106eccadab164b1592";
    final AtomicLong now = new AtomicLong(1_000_000);
    final SwarmView view = new SwarmView(now::get);

    static JsonObject node(String id, double progress, long up) {
        return new JsonObject().put("id", id).put("name", "node " + id).put("rates", new JsonObject().put("up", up).put("down", 0L))
                .put("torrents", new JsonArray().add(new JsonObject().put("infoHash", HASH).put("name", "swarm.bin")
                        .put("length", 100L).put("pieceCount", 4).put("progress", progress)
                        .put("rates", new JsonObject().put("up", up).put("down", 0L))));
    }

    static JsonObject tracker(String id, int seeders, int leechers) {
        return new JsonObject().put("id", id).put("name", "tracker " + id).put("announceUrl", "http://t/announce")
                .put("torrents", new JsonArray().add(new JsonObject().put("infoHash", HASH)
                        .put("seeders", seeders).put("leechers", leechers).put("completed", 1L)));
    }

    @Test
    void torrentsAggregateNodesAndTrackerCounts() {
        view.nodeState(node("a", 1.0, 100));
        view.nodeState(node("b", 0.5, 20));
        view.trackerState(tracker("t", 1, 1));
        JsonObject doc = view.snapshot();
        assertThat(doc.getJsonArray("nodes")).hasSize(2);
        JsonObject t = doc.getJsonArray("torrents").getJsonObject(0);
        assertThat(t.getString("name")).isEqualTo("swarm.bin");
        assertThat(t.getJsonArray("nodes")).hasSize(2);
        assertThat(t.getJsonObject("rates").getLong("up")).isEqualTo(120);
        assertThat(t.getInteger("seeders")).isEqualTo(1);
        assertThat(t.getInteger("leechers")).isEqualTo(1);
        assertThat(doc.getJsonArray("trackers").getJsonObject(0).getBoolean("up")).isTrue();
    }

    @Test
    void silentNodesAreDroppedAndSilentTrackersShownDown() {
        view.nodeState(node("a", 1.0, 0));
        view.trackerState(tracker("t", 1, 0));
        now.addAndGet(3_000);
        view.nodeState(node("b", 0.2, 0));
        assertThat(view.snapshot().getJsonArray("nodes")).hasSize(2);

        now.addAndGet(SwarmView.SILENT_MILLIS - 1_000);
        JsonObject doc = view.snapshot();
        assertThat(doc.getJsonArray("nodes")).hasSize(1);
        assertThat(doc.getJsonArray("nodes").getJsonObject(0).getString("id")).isEqualTo("b");
        JsonObject t = doc.getJsonArray("trackers").getJsonObject(0);
        assertThat(t.getBoolean("up")).isFalse();
        // A tracker that is down no longer vouches for the counts.
        assertThat(doc.getJsonArray("torrents").getJsonObject(0).getInteger("seeders")).isZero();

        now.addAndGet(SwarmView.TRACKER_MEMORY_MILLIS);
        assertThat(view.snapshot().getJsonArray("trackers")).isEmpty();
    }

    @Test
    void messagesWithoutAnIdAreIgnored() {
        view.nodeState(new JsonObject().put("name", "anonymous"));
        assertThat(view.snapshot().getJsonArray("nodes")).isEmpty();
    }
}
