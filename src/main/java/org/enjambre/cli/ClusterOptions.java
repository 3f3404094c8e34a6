package org.enjambre.cli;

import com.hazelcast.config.Config;
import java.io.IOException;
import java.nio.file.Path;
import org.enjambre.node.ClusterConfig;
import org.enjambre.node.ClusterSecret;
import picocli.CommandLine.Option;

/** Mixin for the Hazelcast options that {@code tracker} and {@code node} share. */
public final class ClusterOptions {
    @Option(names = "--cluster", description = "be a member of the Hazelcast cluster of tracker and dashboard nodes (shared tracker registry, clustered event bus); needs the cluster secret. Peer nodes use --report-to instead")
    boolean cluster;

    @Option(names = "--cluster-config", defaultValue = "cluster.xml", description = "Hazelcast XML configuration; the copy in the jar when the file is missing (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--cluster-port", description = "Hazelcast member port (default: 5701)")
    Integer port;

    @Option(names = "--cluster-members", description = "HOST[:PORT],... of other members (default: $" + ClusterConfig.MEMBERS_ENV + ", else the configuration's list)")
    String members;

    @Option(names = "--cluster-host", paramLabel = "IP", description = "this machine's address on the trackers network: the only interface Hazelcast binds, advertised to the other members (default: 127.0.0.1, a cluster on one machine)")
    String host;

    @Option(names = "--cluster-secret-file", paramLabel = "FILE", description = "file holding the cluster secret, the same on every member (default: $" + ClusterSecret.ENV + "); a member without it is in another cluster")
    Path secretFile;

    /** Refuses a bad {@code --cluster-port} or {@code --cluster-host} before anything starts. */
    void check() {
        if (port != null && (port < 1 || port > 65535)) {
            throw new IllegalArgumentException("--cluster-port must be 1..65535, got " + port);
        }
        ClusterConfig.checkHost(host);
    }

    /** The cluster secret ({@code --cluster-secret-file}, else the environment); with neither, one clear error. */
    ClusterSecret secret() throws IOException {
        return ClusterSecret.load(secretFile, System.getenv());
    }

    /** The member configuration with {@code --cluster}, else null (no cluster). */
    Config memberConfig() throws IOException {
        if (!cluster) {
            return null;
        }
        ClusterSecret secret = secret();
        String list = members != null ? members : System.getenv(ClusterConfig.MEMBERS_ENV);
        return ClusterConfig.member(config, port == null ? ClusterConfig.DEFAULT_CLUSTER_PORT : port,
                ClusterConfig.parseMembers(list), host, secret);
    }
}
