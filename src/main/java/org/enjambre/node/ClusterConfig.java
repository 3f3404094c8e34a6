package org.enjambre.node;

import com.hazelcast.config.Config;
import com.hazelcast.config.InvalidConfigurationException;
import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.XmlConfigBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.enjambre.tracker.hazelcast.TrackerMaps;

/**
 * Hazelcast configurations: a cluster member from {@code cluster.xml} and the installation's
 * secret, or a lone embedded member; both bound to one interface with deserialization filtering on.
 */
public final class ClusterConfig {
    /** Environment variable with the member list when {@code --cluster-members} is not given. */
    public static final String MEMBERS_ENV = "ENJAMBRE_CLUSTER_MEMBERS";
    public static final int DEFAULT_CLUSTER_PORT = 5701;
    static final String LOOPBACK = "127.0.0.1";
    /** Java-serialized classes a member accepts besides Hazelcast's defaults. */
    static final List<String> ALLOWED_CLASS_PREFIXES = List.of("org.enjambre.", "io.vertx.");

    private ClusterConfig() {
    }

    /**
     * The configuration of a cluster member: {@code file} when it exists, else the
     * {@code cluster.xml} packaged in the jar; then the member port and list given here, the
     * cluster name derived from {@code secret}, and the lock-down ({@link #lockDown}): Hazelcast
     * binds only {@code host}, and deserializes only allowed classes.
     *
     * @param members HOST[:PORT] entries; empty keeps the file's list
     * @param host    the IPv4/IPv6 literal of this machine's trackers-network interface, the only
     *                one Hazelcast binds and advertises (the clustered event bus uses it too);
     *                null for loopback (every member on this machine)
     * @param secret  the installation's secret: a member without it is in another cluster
     */
    public static Config member(Path file, Integer port, List<String> members, String host, ClusterSecret secret)
            throws IOException {
        checkHost(host);
        if (secret == null) {
            throw new IllegalArgumentException(ClusterSecret.MISSING);
        }
        Config config;
        if (file != null && Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                config = parse(in, file.toString(), true);
            }
        } else {
            try (InputStream in = ClusterConfig.class.getClassLoader().getResourceAsStream("cluster.xml")) {
                if (in == null) {
                    throw new IOException("no " + file + " and no cluster.xml packaged in the jar");
                }
                config = parse(in, "the cluster.xml packaged in the jar", false);
            }
        }
        // Whatever the file says: the name is what a member must know, and the file is public.
        config.setClusterName(secret.clusterName());
        NetworkConfig network = config.getNetworkConfig();
        if (port != null) {
            network.setPort(port);
            // An explicit port is the address other members were told: never drift to another.
            network.setPortAutoIncrement(false);
        }
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        if (!members.isEmpty()) {
            join.getTcpIpConfig().setEnabled(true).setMembers(new ArrayList<>(members));
        }
        return TrackerMaps.configure(lockDown(config, host == null ? LOOPBACK : host));
    }

    /** Refuses a {@code --cluster-host} that is not an IP literal (Hazelcast binds interfaces, not names). */
    public static void checkHost(String host) {
        if (host != null && !host.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            throw new IllegalArgumentException("--cluster-host must be an IP address of this machine, got '" + host + "'");
        }
    }

    /**
     * Binds Hazelcast to {@code address} only (not every interface, its default), and turns Java
     * deserialization filtering on: Hazelcast's own allow-list (its classes, the JDK's) plus ours
     * and Vert.x's; its deny-list of known gadget classes stays.
     */
    static Config lockDown(Config config, String address) {
        config.setProperty("hazelcast.socket.bind.any", "false");
        config.setProperty("hazelcast.socket.client.bind.any", "false");
        config.getNetworkConfig().getInterfaces().setEnabled(true).setInterfaces(new ArrayList<>(List.of(address)));
        JavaSerializationFilterConfig filter = new JavaSerializationFilterConfig().setDefaultsDisabled(false);
        filter.getWhitelist().addPrefixes(ALLOWED_CLASS_PREFIXES.toArray(String[]::new));
        config.getSerializationConfig().setJavaSerializationFilterConfig(filter);
        return config;
    }

    /** A lone member that never looks for others: a one-node tracker needs nothing else. */
    public static Config standalone() {
        Config config = new Config();
        config.setClusterName("enjambre-standalone-" + UUID.randomUUID());
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        NetworkConfig network = config.getNetworkConfig();
        network.getJoin().getMulticastConfig().setEnabled(false);
        network.getJoin().getAutoDetectionConfig().setEnabled(false);
        network.getJoin().getTcpIpConfig().setEnabled(false);
        network.setPort(DEFAULT_CLUSTER_PORT + 100).setPortAutoIncrement(true).setPortCount(1000);
        // A lone member listens on loopback only: nobody else is meant to reach it.
        return TrackerMaps.configure(lockDown(config, LOOPBACK));
    }

    /** Splits {@code HOST[:PORT],...} (blank gives an empty list), refusing a bad port or an empty host. */
    public static List<String> parseMembers(String list) {
        List<String> out = new ArrayList<>();
        if (list == null) {
            return out;
        }
        for (String m : list.split(",")) {
            String t = m.trim();
            if (t.isEmpty()) {
                continue;
            }
            int colon = t.lastIndexOf(':');
            boolean bracketed = t.startsWith("[");
            boolean hasPort = colon >= 0 && (bracketed ? t.indexOf(']') < colon : t.indexOf(':') == colon);
            String host = hasPort ? t.substring(0, colon) : t;
            if (host.isEmpty() || host.equals("[]")) {
                throw new IllegalArgumentException("cluster member without a host: '" + t + "'");
            }
            if (hasPort) {
                String port = t.substring(colon + 1);
                int p;
                try {
                    p = Integer.parseInt(port);
                } catch (NumberFormatException e) {
                    p = -1;
                }
                if (p < 1 || p > 65535) {
                    throw new IllegalArgumentException("cluster member '" + t + "': port must be 1..65535");
                }
            }
            out.add(t);
        }
        return out;
    }

    /** Hazelcast's switch for checking a configuration against its XML schema (read from the system properties only). */
    static final String SCHEMA_VALIDATION_PROPERTY = "hazelcast.config.schema.validation.enabled";

    /**
     * Parses a Hazelcast XML configuration. A user's file is checked against Hazelcast's schema (a
     * misspelt element is an error naming it). The copy packaged in the jar is not: the build checks
     * it (ClusterConfigTest), and checking it again cost each tracker node ~0.2 CPU s of its start,
     * before its cluster can form (bench/RESULTS.md, "demo: where the start went"). Hazelcast
     * reads the switch from the system properties only, so it is turned off around this one parse.
     */
    static Config parse(InputStream in, String what, boolean validate) throws IOException {
        synchronized (ClusterConfig.class) {
            String before = System.getProperty(SCHEMA_VALIDATION_PROPERTY);
            if (!validate) {
                System.setProperty(SCHEMA_VALIDATION_PROPERTY, "false");
            }
            try {
                return new XmlConfigBuilder(in).build();
            } catch (InvalidConfigurationException e) {
                throw new IOException("invalid Hazelcast configuration in " + what + ": " + e.getMessage(), e);
            } finally {
                if (before == null) {
                    System.clearProperty(SCHEMA_VALIDATION_PROPERTY);
                } else {
                    System.setProperty(SCHEMA_VALIDATION_PROPERTY, before);
                }
            }
        }
    }
}
