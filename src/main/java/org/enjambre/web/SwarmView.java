package org.enjambre.web;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The whole cluster as the event bus tells it: the last state of every peer node and every
 * tracker node, keyed by node id. A peer node silent for {@link #SILENT_MILLIS} is dropped; a
 * silent tracker is kept as {@code "up": false} for {@link #TRACKER_MEMORY_MILLIS} so the page can
 * show that it went down. Used on one event loop (the web verticle's).
 */
final class SwarmView {
    static final long SILENT_MILLIS = 5_000;
    static final long TRACKER_MEMORY_MILLIS = 10 * 60_000;
    /** Bounds against a flood of made-up node ids on the bus. */
    static final int MAX_NODES = 1000;

    private final java.util.function.LongSupplier clock;
    private final Map<String, Seen> nodes = new LinkedHashMap<>();
    private final Map<String, Seen> trackers = new LinkedHashMap<>();

    private record Seen(JsonObject state, long receivedMillis) {
    }

    SwarmView() {
        this(System::currentTimeMillis);
    }

    /** @param clock milliseconds now (tests move it) */
    SwarmView(java.util.function.LongSupplier clock) {
        this.clock = clock;
    }

    void nodeState(JsonObject state) {
        put(nodes, state);
    }

    void trackerState(JsonObject state) {
        put(trackers, state);
    }

    private void put(Map<String, Seen> map, JsonObject state) {
        String id = state.getString("id");
        if (id == null || (map.size() >= MAX_NODES && !map.containsKey(id))) {
            return;
        }
        map.put(id, new Seen(state, clock.getAsLong()));
    }

    /** The {@code GET /api/swarm} document (schema in docs/state.md). */
    JsonObject snapshot() {
        long now = clock.getAsLong();
        nodes.values().removeIf(s -> now - s.receivedMillis() > SILENT_MILLIS);
        trackers.values().removeIf(s -> now - s.receivedMillis() > TRACKER_MEMORY_MILLIS);
        JsonArray nodeList = new JsonArray();
        Map<String, JsonObject> torrents = new TreeMap<>();
        for (Seen s : nodes.values()) {
            nodeList.add(s.state());
            JsonArray ts = s.state().getJsonArray("torrents", new JsonArray());
            for (int i = 0; i < ts.size(); i++) {
                JsonObject t = ts.getJsonObject(i);
                JsonObject agg = torrents.computeIfAbsent(t.getString("infoHash"), h -> new JsonObject()
                        .put("infoHash", h).put("name", t.getString("name")).put("length", t.getLong("length"))
                        .put("pieceCount", t.getInteger("pieceCount")).put("nodes", new JsonArray())
                        .put("seeders", 0).put("leechers", 0).put("completed", 0)
                        .put("rates", new JsonObject().put("up", 0L).put("down", 0L)));
                agg.getJsonArray("nodes").add(new JsonObject().put("id", s.state().getString("id"))
                        .put("name", s.state().getString("name")).put("progress", t.getDouble("progress")));
                JsonObject r = agg.getJsonObject("rates");
                r.put("up", r.getLong("up") + t.getJsonObject("rates").getLong("up"));
                r.put("down", r.getLong("down") + t.getJsonObject("rates").getLong("down"));
            }
        }
        JsonArray trackerList = new JsonArray();
        for (Seen s : trackers.values()) {
            boolean up = now - s.receivedMillis() <= SILENT_MILLIS;
            JsonObject t = s.state().copy().put("up", up).put("lastSeen", s.receivedMillis());
            trackerList.add(t);
            if (!up) {
                continue;
            }
            // Counts come from the trackers (the registry is shared: the highest answer is the freshest).
            JsonArray swarms = s.state().getJsonArray("torrents", new JsonArray());
            for (int i = 0; i < swarms.size(); i++) {
                JsonObject sw = swarms.getJsonObject(i);
                JsonObject agg = torrents.computeIfAbsent(sw.getString("infoHash"), h -> new JsonObject()
                        .put("infoHash", h).put("nodes", new JsonArray())
                        .put("seeders", 0).put("leechers", 0).put("completed", 0)
                        .put("rates", new JsonObject().put("up", 0L).put("down", 0L)));
                agg.put("seeders", Math.max(agg.getInteger("seeders"), sw.getInteger("seeders", 0)));
                agg.put("leechers", Math.max(agg.getInteger("leechers"), sw.getInteger("leechers", 0)));
                agg.put("completed", Math.max(agg.getLong("completed"), sw.getLong("completed", 0L)));
            }
        }
        return new JsonObject()
                .put("schema", org.enjambre.report.StateSchema.VERSION)
                .put("time", now)
                .put("nodes", nodeList)
                .put("trackers", trackerList)
                .put("torrents", new JsonArray(new java.util.ArrayList<>(torrents.values())));
    }
}
