package org.enjambre.tracker.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;

/**
 * The torrents made through a REST API, kept in the replicated map {@link TrackerMaps#TORRENTS}
 * so that every tracker node lists them by name: info-hash (hex) to JSON with {@code name},
 * {@code length}, {@code pieceLength}, {@code files} and the {@code torrent} in base64 (built by
 * the web room's torrent creation). The tracker port and the web port share this one store.
 */
public final class TorrentCatalog {
    private final Vertx vertx;
    private final IMap<String, String> torrents;

    public TorrentCatalog(Vertx vertx, HazelcastInstance hazelcast) {
        this.vertx = vertx;
        this.torrents = hazelcast.getMap(TrackerMaps.TORRENTS);
    }

    /** Registers (or replaces) the JSON of one torrent; the web room builds it. */
    public Future<Void> register(String infoHash, JsonObject meta) {
        return onContext(torrents.setAsync(infoHash, meta.encode()));
    }

    /** The registered JSON of one torrent, or null. */
    public Future<JsonObject> get(String infoHash) {
        return onContext(torrents.getAsync(infoHash)).map(s -> s == null ? null : new JsonObject(s));
    }

    /** Registered torrents by info-hash, at most {@code limit} of them (a worker walks the map). */
    public Future<Map<String, JsonObject>> all(int limit) {
        return vertx.executeBlocking(() -> {
            Map<String, JsonObject> out = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : new TreeMap<>(torrents).entrySet()) {
                if (out.size() >= limit) {
                    break;
                }
                out.put(e.getKey(), new JsonObject(e.getValue()));
            }
            return out;
        }, false);
    }

    private <T> Future<T> onContext(CompletionStage<T> stage) {
        return ContextFutures.onContext(vertx.getOrCreateContext(), stage);
    }
}
