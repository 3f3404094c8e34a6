package org.enjambre.node;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.enjambre.net.PeerAddress;

/**
 * Where each tracker node's DHT listens, kept in a small cluster map (member UUID to
 * {@code host:port}), so that the cluster's members are one another's bootstrap nodes without
 * the user naming them. An entry of a member that left is removed by the next member that starts
 * (and is harmless until then: a bootstrap query to it only times out). Hazelcast calls block,
 * so they run on a worker.
 */
final class ClusterDhtNodes {
    /** Member UUID (text) to the {@code host:port} of its DHT node. */
    static final String MAP = "enjambre.dht-nodes";

    private ClusterDhtNodes() {
    }

    /** The DHT nodes of the other members now in the cluster; forgets those of members gone. */
    static Future<List<PeerAddress>> others(Vertx vertx, HazelcastInstance hazelcast) {
        return vertx.executeBlocking(() -> {
            IMap<String, String> map = hazelcast.getMap(MAP);
            Set<String> present = new HashSet<>();
            for (Member m : hazelcast.getCluster().getMembers()) {
                present.add(m.getUuid().toString());
            }
            String own = hazelcast.getCluster().getLocalMember().getUuid().toString();
            List<PeerAddress> out = new ArrayList<>();
            for (Map.Entry<String, String> e : map.entrySet()) {
                if (!present.contains(e.getKey())) {
                    map.remove(e.getKey());
                } else if (!e.getKey().equals(own)) {
                    try {
                        PeerAddress a = PeerAddress.parse(e.getValue());
                        if (a.ip().isPresent()) {
                            out.add(a);
                        }
                    } catch (IllegalArgumentException bad) {
                        map.remove(e.getKey()); // not written by us: never used as an address
                    }
                }
            }
            return out;
        });
    }

    /**
     * Says where this member's DHT listens: on {@code bindHost} if it names an address, else on the
     * address the member is known at in the cluster.
     */
    static Future<PeerAddress> publish(Vertx vertx, HazelcastInstance hazelcast, String bindHost, int port) {
        return vertx.executeBlocking(() -> {
            Member self = hazelcast.getCluster().getLocalMember();
            boolean wildcard = bindHost.equals("0.0.0.0") || bindHost.equals("::") || bindHost.equals("[::]");
            PeerAddress address = new PeerAddress(wildcard ? self.getAddress().getHost() : bindHost, port);
            hazelcast.<String, String>getMap(MAP).set(self.getUuid().toString(), address.toString());
            return address;
        });
    }

    /** Takes this member's entry out (a clean stop); never fails. */
    static Future<Void> withdraw(Vertx vertx, HazelcastInstance hazelcast) {
        return vertx.<Void>executeBlocking(() -> {
            UUID own = hazelcast.getCluster().getLocalMember().getUuid();
            hazelcast.<String, String>getMap(MAP).delete(own.toString());
            return null;
        }).otherwiseEmpty();
    }
}
