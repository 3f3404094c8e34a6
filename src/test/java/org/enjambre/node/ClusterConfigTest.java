package org.enjambre.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.enjambre.testutil.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading the cluster configuration: the packaged {@code cluster.xml} (trusted, so not checked
 * against Hazelcast's schema at each start) must stay valid, a user's file is still checked, and
 * members started at the same moment from the packaged file form one cluster, not two.
 */
@Timeout(120)
class ClusterConfigTest {
    static final ClusterSecret SECRET = new ClusterSecret("a-secret-for-this-test".getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path dir;

    final List<HazelcastInstance> started = new ArrayList<>();

    @AfterEach
    void stopEveryMember() {
        for (HazelcastInstance h : started) {
            h.getLifecycleService().terminate();
        }
    }

    @Test
    void thePackagedClusterXmlIsValidAgainstHazelcastsSchema() throws IOException {
        try (InputStream in = ClusterConfigTest.class.getClassLoader().getResourceAsStream("cluster.xml")) {
            assertThat(in).as("cluster.xml packaged").isNotNull();
            Config config = ClusterConfig.parse(in, "packaged", true);
            assertThat(config.getMapConfig("enjambre.swarms").getBackupCount()).isEqualTo(1);
        }
    }

    @Test
    void aUsersFileWithAMisspeltElementIsRefusedNamingTheFile() throws IOException {
        Path file = dir.resolve("my-cluster.xml");
        Files.writeString(file, """
                <hazelcast xmlns="http://www.hazelcast.com/schema/config">
                  <netwrok><port>5701</port></netwrok>
                </hazelcast>
                """);
        assertThatThrownBy(() -> ClusterConfig.member(file, null, List.of(), null, SECRET))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("invalid Hazelcast configuration in " + file)
                .hasMessageContaining("netwrok");
    }

    @Test
    void skippingTheSchemaForOneParseLeavesTheSwitchAsItWas() throws IOException {
        String xml = "<hazelcast xmlns=\"http://www.hazelcast.com/schema/config\"><cluster-name>x</cluster-name></hazelcast>";
        String property = ClusterConfig.SCHEMA_VALIDATION_PROPERTY;
        assertThat(System.getProperty(property)).isNull();
        ClusterConfig.parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)), "x", false);
        assertThat(System.getProperty(property)).isNull();
        System.setProperty(property, "true");
        try {
            ClusterConfig.parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)), "x", false);
            assertThat(System.getProperty(property)).isEqualTo("true");
        } finally {
            System.clearProperty(property);
        }
    }

    /**
     * The packaged file makes members that start together settle on a master after 1 s instead of
     * 5 s; they must still agree on one. A split would show as two clusters of one right after
     * both starts return (Hazelcast's merge comes 10 s later).
     */
    @Test
    void twoMembersStartedAtTheSameMomentFormOneCluster() throws Exception {
        int a = FreePorts.next();
        int b = FreePorts.next();
        List<String> members = List.of("127.0.0.1:" + a, "127.0.0.1:" + b);
        Path absent = dir.resolve("absent.xml");
        Config first = ClusterConfig.member(absent, a, members, null, SECRET);
        Config second = ClusterConfig.member(absent, b, members, null, SECRET);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CompletableFuture<HazelcastInstance> one = CompletableFuture.supplyAsync(() -> Hazelcast.newHazelcastInstance(first), pool);
            CompletableFuture<HazelcastInstance> two = CompletableFuture.supplyAsync(() -> Hazelcast.newHazelcastInstance(second), pool);
            HazelcastInstance x = one.get(60, TimeUnit.SECONDS);
            started.add(x);
            HazelcastInstance y = two.get(60, TimeUnit.SECONDS);
            started.add(y);
            assertThat(x.getCluster().getMembers()).hasSize(2);
            assertThat(y.getCluster().getMembers()).hasSize(2);
        } finally {
            pool.shutdownNow();
        }
    }
}
