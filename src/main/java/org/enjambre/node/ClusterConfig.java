package org.enjambre.node;

import com.hazelcast.config.Config;
import com.hazelcast.config.InvalidConfigurationException;
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

/** Hazelcast configurations: a cluster member from {@code cluster.xml}, or a lone embedded member. */
public final class ClusterConfig {
    /** Environment variable with the member list when {@code --cluster-members} is not given. */
    public static final String MEMBERS_ENV = "ENJAMBRE_CLUSTER_MEMBERS";
    public static final int DEFAULT_CLUSTER_PORT = 5701;

    private ClusterConfig() {
    }

    /**
     * The configuration of a cluster member: {@code file} when it exists, else the
     * {@code cluster.xml} packaged in the jar; then the member port and list given here.
     *
     * @param members HOST[:PORT] entries; empty keeps the file's list
     */
    public static Config member(Path file, Integer port, List<String> members) throws IOException {
        return member(file, port, members, null);
    }

    /**
     * As {@link #member(Path, Integer, List)}, advertising {@code host} (an IP address of this machine)
     * to the other members: Hazelcast and the clustered event bus then use that address. Needed on a
     * machine with several networks (a container or namespace on both the trackers and the peers
     * network), where Hazelcast would otherwise pick an interface the other members may not reach.
     *
     * @param host an IPv4/IPv6 literal, or null to let Hazelcast choose (loopback when every member is)
     */
    public static Config member(Path file, Integer port, List<String> members, String host) throws IOException {
        if (host != null && !host.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            throw new IllegalArgumentException("--cluster-host must be an IP address of this machine, got '" + host + "'");
        }
        Config config;
        if (file != null && Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                config = parse(in, file.toString());
            }
        } else {
            try (InputStream in = ClusterConfig.class.getClassLoader().getResourceAsStream("cluster.xml")) {
                if (in == null) {
                    throw new IOException("no " + file + " and no cluster.xml packaged in the jar");
                }
                config = parse(in, "the cluster.xml packaged in the jar");
            }
        }
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
        List<String> listed = join.getTcpIpConfig().getMembers();
        if (host != null) {
            // The member address is also the event bus address (HazelcastClusterManager.clusterHost()).
            network.getInterfaces().setEnabled(true).setInterfaces(List.of(host));
        } else if (!listed.isEmpty() && listed.stream().allMatch(ClusterConfig::isLoopback)) {
            // A loopback-only cluster: bind and advertise 127.0.0.1, not whatever interface
            // Hazelcast would pick, or members would announce addresses the others never dial.
            network.getInterfaces().setEnabled(true).setInterfaces(List.of("127.0.0.1"));
        }
        return TrackerMaps.configure(config);
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
        network.getInterfaces().setEnabled(true).setInterfaces(List.of("127.0.0.1"));
        network.setPort(DEFAULT_CLUSTER_PORT + 100).setPortAutoIncrement(true).setPortCount(1000);
        return TrackerMaps.configure(config);
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

    private static Config parse(InputStream in, String what) throws IOException {
        try {
            return new XmlConfigBuilder(in).build();
        } catch (InvalidConfigurationException e) {
            throw new IOException("invalid Hazelcast configuration in " + what + ": " + e.getMessage(), e);
        }
    }

    private static boolean isLoopback(String member) {
        String host = member;
        int colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(':') == colon) {
            host = host.substring(0, colon);
        }
        return host.startsWith("127.") || host.equals("localhost") || host.equals("[::1]") || host.equals("::1");
    }
}
