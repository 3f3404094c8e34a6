package org.enjambre.node;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.enjambre.tracker.hazelcast.TrackerMaps;

/**
 * Torrents registered through {@code POST /api/torrents}, kept in the replicated map
 * {@link TrackerMaps#TORRENTS} as JSON ({@code name}, {@code length}, {@code pieceLength},
 * {@code torrent} in base64), so every tracker node lists them.
 */
final class TorrentUploads {
    private final IMap<String, String> torrents;
    private Vertx vertx;

    TorrentUploads(HazelcastInstance hazelcast) {
        this.torrents = hazelcast.getMap(TrackerMaps.TORRENTS);
    }

    void mount(Vertx vertx, Router router, long maxUploadBytes) {
        this.vertx = vertx;
    }

    Future<JsonObject> get(String infoHash) {
        return Future.fromCompletionStage(torrents.getAsync(infoHash), vertx.getOrCreateContext())
                .map(s -> s == null ? null : new JsonObject(s));
    }

    /** Every registered torrent, by info-hash (bounded by the scrape-all limit). */
    Future<Map<String, JsonObject>> all() {
        return vertx.executeBlocking(() -> {
            Map<String, JsonObject> out = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : new TreeMap<>(torrents).entrySet()) {
                if (out.size() >= TrackerSettings.SCRAPE_ALL_LIMIT) {
                    break;
                }
                out.put(e.getKey(), new JsonObject(e.getValue()));
            }
            return out;
        }, false);
    }

    Future<Void> register(String infoHash, JsonObject meta) {
        return Future.fromCompletionStage(torrents.setAsync(infoHash, meta.encode()), vertx.getOrCreateContext());
    }
}
