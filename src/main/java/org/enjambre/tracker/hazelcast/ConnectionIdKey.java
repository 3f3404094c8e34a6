package org.enjambre.tracker.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import org.enjambre.tracker.server.ConnectionIds;

/**
 * The key of the UDP tracker's connection ids ({@link ConnectionIds}), one for the whole cluster:
 * the first node to start puts a random key in a replicated map, every later node reads that one,
 * so a client may connect to one node and announce to another. It lives as long as the cluster
 * (a backup copy survives the death of its owner); a cluster started afresh makes a new one, which
 * costs clients one reconnect. Nodes read it again now and then ({@link #REFRESH_MILLIS}): two
 * halves of a cluster that formed apart and merged end up with the one key the merge kept.
 */
public final class ConnectionIdKey {
    /** Map holding the key (one entry). */
    public static final String MAP = "enjambre.udp-tracker";
    static final String ENTRY = "connection-id-key";
    /** How often a node reads the cluster's key again. */
    public static final long REFRESH_MILLIS = 30_000;

    private ConnectionIdKey() {
    }

    /** The cluster's key, made if nobody made one yet; completes on the caller's context. */
    public static Future<byte[]> shared(Vertx vertx, HazelcastInstance hazelcast) {
        byte[] mine = new byte[ConnectionIds.KEY_LENGTH];
        new SecureRandom().nextBytes(mine);
        IMap<String, byte[]> map = hazelcast.getMap(MAP);
        // Once, at start-up: IMap has no asynchronous putIfAbsent, so a worker waits for it.
        return vertx.executeBlocking(() -> map.putIfAbsent(ENTRY, mine))
                .map(existing -> existing != null && existing.length == ConnectionIds.KEY_LENGTH ? existing : mine);
    }
}
