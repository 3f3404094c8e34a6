package org.enjambre.cli;

import com.hazelcast.config.Config;
import java.io.IOException;
import java.nio.file.Path;
import org.enjambre.node.ClusterConfig;
import picocli.CommandLine.Option;

/** Mixin for the Hazelcast options that {@code tracker} and {@code node} share. */
public final class ClusterOptions {
    @Option(names = "--cluster", description = "join a Hazelcast cluster (shared tracker registry; for a node also the event bus)")
    boolean cluster;

    @Option(names = "--cluster-config", defaultValue = "cluster.xml", description = "Hazelcast XML configuration; the copy in the jar when the file is missing (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--cluster-port", description = "Hazelcast member port (default: 5701)")
    Integer port;

    @Option(names = "--cluster-members", description = "HOST[:PORT],... of other members (default: $" + ClusterConfig.MEMBERS_ENV + ", else the configuration's list)")
    String members;

    /** Refuses a bad {@code --cluster-port} before anything starts. */
    void check() {
        if (port != null && (port < 1 || port > 65535)) {
            throw new IllegalArgumentException("--cluster-port must be 1..65535, got " + port);
        }
    }

    /**
     * The member configuration with {@code --cluster}, else null (no cluster).
     *
     * @param host the address to advertise to the other members, null for Hazelcast's choice
     */
    Config memberConfig(String host) throws IOException {
        if (!cluster) {
            return null;
        }
        String list = members != null ? members : System.getenv(ClusterConfig.MEMBERS_ENV);
        return ClusterConfig.member(config, port == null ? ClusterConfig.DEFAULT_CLUSTER_PORT : port,
                ClusterConfig.parseMembers(list), host);
    }
}
