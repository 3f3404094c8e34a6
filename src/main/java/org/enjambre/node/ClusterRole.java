package org.enjambre.node;

import com.hazelcast.config.Config;
import io.vertx.core.net.SocketAddress;
import java.util.List;

/**
 * How a node takes part in the cluster. Only tracker and dashboard nodes are Hazelcast members
 * (and clustered event-bus nodes); a peer node reports its own state to a member's report bridge
 * and can reach nothing else of the cluster.
 */
public sealed interface ClusterRole {
    /** No cluster: a node alone (with a tracker, an embedded lone Hazelcast member on loopback). */
    record Alone() implements ClusterRole {
    }

    /**
     * A Hazelcast member ({@link ClusterConfig#member}).
     *
     * @param reportToken the token peer nodes must present to this member's report bridge; null
     *                    runs no bridge
     * @param reportPort  the bridge's port on the node's bind address, 0 for any free one
     */
    record Member(Config hazelcast, String reportToken, int reportPort) implements ClusterRole {
        public Member {
            if (hazelcast == null) {
                throw new IllegalArgumentException("a member needs its Hazelcast configuration");
            }
            if (reportPort < 0 || reportPort > 65535) {
                throw new IllegalArgumentException("--report-port must be 0..65535, got " + reportPort);
            }
        }
    }

    /**
     * A peer node that reports to the members' report bridges.
     *
     * @param bridges tried in turn: a bridge that fails passes to the next
     * @param token   the report token
     */
    record Reporter(List<SocketAddress> bridges, String token) implements ClusterRole {
        public Reporter {
            bridges = List.copyOf(bridges);
            if (bridges.isEmpty()) {
                throw new IllegalArgumentException("--report-to needs at least one HOST:PORT");
            }
            if (token == null || token.length() < 16) {
                throw new IllegalArgumentException("--report-to needs the report token (at least 16 characters): set "
                        + "ENJAMBRE_REPORT_TOKEN or give --report-token-file FILE");
            }
        }
    }
}
