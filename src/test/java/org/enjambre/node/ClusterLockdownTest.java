package org.enjambre.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.Config;
import com.hazelcast.config.XmlConfigBuilder;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.attacker.Payload;
import org.enjambre.testutil.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who can join the cluster, with real Hazelcast members on loopback: only a member that knows the
 * installation's secret; members listen on the interface they are given only; a member refuses to
 * deserialize a class outside the allow-list.
 */
@Timeout(180)
class ClusterLockdownTest {
    static final ClusterSecret SECRET = secret("the-secret-of-this-installation");

    @TempDir
    Path dir;

    final List<HazelcastInstance> started = new ArrayList<>();

    static ClusterSecret secret(String s) {
        return new ClusterSecret(s.getBytes(StandardCharsets.UTF_8));
    }

    @AfterEach
    void stopEveryMember() {
        for (HazelcastInstance h : started) {
            h.getLifecycleService().terminate();
        }
    }

    HazelcastInstance member(Config config) {
        HazelcastInstance h = Hazelcast.newHazelcastInstance(config);
        started.add(h);
        return h;
    }

    Config secretMember(int port, List<String> members, ClusterSecret secret) throws IOException {
        return ClusterConfig.member(dir.resolve("absent.xml"), port, members, null, secret);
    }

    /** The {@code cluster.xml} the jar ships, pointed at the running cluster: all an outsider knows. */
    static Config publicConfig(int port, String member) throws IOException {
        try (InputStream in = ClusterLockdownTest.class.getClassLoader().getResourceAsStream("cluster.xml")) {
            Config c = new XmlConfigBuilder(in).build();
            c.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
            c.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true).setMembers(List.of(member));
            c.getNetworkConfig().getInterfaces().setEnabled(true).setInterfaces(List.of("127.0.0.1"));
            return c;
        }
    }

    @Test
    void aMemberWithThePublicClusterXmlDoesNotJoinAndSeesNoneOfTheMaps() throws Exception {
        int a = FreePorts.next();
        int b = FreePorts.next();
        HazelcastInstance inside = member(secretMember(a, List.of("127.0.0.1:" + a, "127.0.0.1:" + b), SECRET));
        inside.getMap("enjambre.torrents").put("5de961c2deb577e4047b16106eccadab164b1592", new byte[] {1, 2, 3});

        HazelcastInstance outsider = member(publicConfig(b, "127.0.0.1:" + a));
        Thread.sleep(3000);
        assertThat(outsider.getCluster().getMembers()).hasSize(1);
        assertThat(inside.getCluster().getMembers()).hasSize(1);
        assertThat(outsider.getMap("enjambre.torrents").size()).isZero();
        assertThat(outsider.getMap("enjambre.swarms").size()).isZero();
        outsider.getMap("enjambre.torrents").clear();
        assertThat(inside.getMap("enjambre.torrents").size()).as("the outsider's clear reached nothing").isEqualTo(1);
    }

    @Test
    void aMemberWithAnotherSecretCannotJoinOneWithTheSecretCan() throws Exception {
        int a = FreePorts.next();
        int b = FreePorts.next();
        int c = FreePorts.next();
        List<String> list = List.of("127.0.0.1:" + a, "127.0.0.1:" + b, "127.0.0.1:" + c);
        HazelcastInstance inside = member(secretMember(a, list, SECRET));
        inside.getMap("enjambre.torrents").put("k", new byte[] {1});
        HazelcastInstance wrong = member(secretMember(b, list, secret("another-installation-secret")));
        assertThat(wrong.getCluster().getMembers()).hasSize(1);
        assertThat(wrong.getMap("enjambre.torrents").size()).isZero();

        HazelcastInstance second = member(secretMember(c, list, SECRET));
        assertThat(second.getCluster().getMembers()).as("the same secret joins").hasSize(2);
        assertThat(second.getMap("enjambre.torrents").size()).isEqualTo(1);
        assertThat(wrong.getCluster().getMembers()).hasSize(1);
    }

    @Test
    void membersListenOnlyOnTheirInterface() throws Exception {
        int a = FreePorts.next();
        member(secretMember(a, List.of("127.0.0.1:" + a), SECRET));
        HazelcastInstance lone = member(ClusterConfig.standalone());
        int lonePort = lone.getCluster().getLocalMember().getAddress().getPort();
        for (int port : new int[] {a, lonePort}) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            }
            // Another loopback address of this machine: reached only by a socket bound to every interface.
            assertThatThrownBy(() -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.2", port), 2000);
                }
            }).as("port %d on 127.0.0.2", port).isInstanceOf(ConnectException.class);
        }
    }

    /** Allowed: a class of ours. */
    record Allowed(String value) implements Serializable {
    }

    @Test
    void aMemberRefusesToDeserializeClassesOutsideTheAllowList() throws Exception {
        int a = FreePorts.next();
        HazelcastInstance h = member(secretMember(a, List.of("127.0.0.1:" + a), SECRET));
        Map<String, Object> map = h.getMap("lockdown-test");
        map.put("ours", new Allowed("fine"));
        assertThat(map.get("ours")).isEqualTo(new Allowed("fine"));
        map.put("gadget", new Payload("rm -rf /"));
        assertThatThrownBy(() -> map.get("gadget")).hasStackTraceContaining("org.attacker.Payload");
    }

    @Test
    void aMemberNeedsTheSecret() {
        assertThatThrownBy(() -> ClusterConfig.member(dir.resolve("absent.xml"), 5701, List.of(), null, null))
                .hasMessage("--cluster needs a cluster secret: set ENJAMBRE_CLUSTER_SECRET or give --cluster-secret-file FILE "
                        + "(at least 16 characters, the same on every member)");
        assertThatThrownBy(() -> ClusterSecret.load(null, Map.of())).hasMessageStartingWith("--cluster needs a cluster secret");
        assertThatThrownBy(() -> ClusterSecret.load(null, Map.of(ClusterSecret.ENV, "short")))
                .hasMessage("ENJAMBRE_CLUSTER_SECRET: the cluster secret must be at least 16 characters");
        assertThat(secret("the-secret-of-this-installation").clusterName())
                .isNotEqualTo(secret("another-installation-secret").clusterName())
                .startsWith("enjambre-").hasSize("enjambre-".length() + 32);
        assertThat(SECRET.reportToken()).isNotEqualTo(SECRET.clusterName()).doesNotContain(SECRET.clusterName().substring(9));
    }
}
