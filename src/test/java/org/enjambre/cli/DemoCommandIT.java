package org.enjambre.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.enjambre.testutil.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code enjambre demo} as a user runs it: child JVMs for every node, a dashboard that answers,
 * leechers that complete byte-exact, and nothing left running (or on disk) after it stops.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DemoCommandIT {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** Every process the demo started, as seen while it ran (its descendants), with their command lines. */
    private final Map<Long, ProcessHandle> children = new ConcurrentHashMap<>();

    @Test
    void demoSwarmCompletesByteExactWithTheDashboardAnsweringAndLeavesNoProcessBehind() throws Exception {
        int web = FreePorts.next();
        Path work = dir.resolve("demo");
        try (Proc demo = Proc.enjambre("demo", dir, "demo", "--leechers", "2", "--size", "8MiB", "--exit-when-done",
                "--web-port", Integer.toString(web), "--keep", "--dir", work.toString())) {
            int maxNodes = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(200);
            while (demo.process.isAlive() && System.nanoTime() < deadline) {
                demo.process.descendants().forEach(p -> children.put(p.pid(), p));
                JsonObject swarm = swarm(web);
                if (swarm != null) {
                    maxNodes = Math.max(maxNodes, swarm.getJsonArray("nodes").size());
                }
                Thread.sleep(300);
            }
            try {
                assertThat(demo.awaitExit(60)).as("stdout: %s%nstderr: %s", demo.out, demo.err).isZero();
                assertThat(demo.out).anyMatch(l -> l.startsWith("all 2 leechers complete after"));
                assertThat(demo.out).anyMatch(l -> l.startsWith("swarm up in"));
                assertThat(maxNodes).as("nodes seen on /api/swarm while the demo ran").isEqualTo(5);
                assertThat(children.values()).as("child JVMs seen").hasSize(5)
                        .allMatch(p -> p.info().commandLine().map(c -> c.contains(" node ")).orElse(true));
                assertNothingLeftRunning();
            } finally {
                killLeftovers();
            }
        }
        Path original = work.resolve("seeder/enjambre-demo.bin");
        assertThat(original).hasSize(8L << 20);
        for (String leecher : new String[] {"leecher-1", "leecher-2"}) {
            assertThat(sha256(work.resolve(leecher).resolve("enjambre-demo.bin"))).as(leecher).isEqualTo(sha256(original));
        }
    }

    @Test
    void sigtermStopsEveryNodeAndRemovesTheDemoFolder() throws Exception {
        int web = FreePorts.next();
        Path work = dir.resolve("demo");
        try (Proc demo = Proc.enjambre("demo", dir, "demo", "--leechers", "1", "--size", "1MiB",
                "--web-port", Integer.toString(web), "--dir", work.toString())) {
            try {
                demo.awaitLine("^swarm up in", 180);
                demo.process.descendants().forEach(p -> children.put(p.pid(), p));
                assertThat(children).hasSize(4);
                assertThat(swarm(web)).as("dashboard answers").isNotNull();
                demo.terminate();
                assertThat(demo.awaitExit(60)).as("stdout: %s%nstderr: %s", demo.out, demo.err).isZero();
                assertNothingLeftRunning();
                assertThat(work).doesNotExist();
            } finally {
                killLeftovers();
            }
        }
    }

    @Test
    void aStopSignalToTheWholeProcessGroupStillGivesEveryNodeItsCleanStop() throws Exception {
        // Ctrl-C in a terminal signals the demo and every node at once (one process group); the
        // demo must not signal them again, which a node takes for "stop now" (Signals).
        int web = FreePorts.next();
        Path work = dir.resolve("demo");
        String said;
        try (Proc demo = Proc.enjambre("demo", dir, "demo", "--leechers", "1", "--size", "1MiB",
                "--web-port", Integer.toString(web), "--keep", "--dir", work.toString())) {
            try {
                demo.awaitLine("^swarm up in", 180);
                demo.process.descendants().forEach(p -> children.put(p.pid(), p));
                assertThat(children).hasSize(4);
                children.values().forEach(ProcessHandle::destroy);
                demo.terminate();
                assertThat(demo.awaitExit(60)).as("stdout: %s%nstderr: %s", demo.out, demo.err).isZero();
                assertNothingLeftRunning();
                said = String.join("\n", demo.out);
            } finally {
                killLeftovers();
            }
        }
        for (String node : new String[] {"tracker-1", "tracker-2", "seeder", "leecher-1"}) {
            assertThat(Files.readAllLines(work.resolve("logs").resolve(node + ".log"))).as("%s's log; the demo said:%n%s", node, said)
                    .contains("node stopped").noneMatch(l -> l.contains("again, stopping now"));
        }
    }

    @Test
    void nodesStopByThemselvesWhenTheDemoIsKilledWithSigkill() throws Exception {
        int web = FreePorts.next();
        Path work = dir.resolve("demo");
        try (Proc demo = Proc.enjambre("demo", dir, "demo", "--leechers", "1", "--size", "1MiB",
                "--web-port", Integer.toString(web), "--dir", work.toString())) {
            try {
                demo.awaitLine("^swarm up in", 180);
                demo.process.descendants().forEach(p -> children.put(p.pid(), p));
                assertThat(children).hasSize(4);
                demo.process.destroyForcibly();
                demo.awaitExit(10);
                // No hook ran; each node sees its stdin close and stops (cleanly: SIGTERM's path).
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
                while (children.values().stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < until) {
                    Thread.sleep(200);
                }
                assertNothingLeftRunning();
            } finally {
                killLeftovers();
            }
        }
    }

    private void assertNothingLeftRunning() throws InterruptedException {
        // The demo waits for every child before it exits; allow the kernel a moment to reap.
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (children.values().stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < until) {
            Thread.sleep(100);
        }
        Set<Long> alive = children.values().stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
                .collect(java.util.stream.Collectors.toSet());
        assertThat(alive).as("child JVMs still running after the demo exited").isEmpty();
    }

    /** Only PIDs the demo started (our own descendants), and only if an assertion failed before they stopped. */
    private void killLeftovers() {
        children.values().stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    private JsonObject swarm(int port) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/swarm"))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? new JsonObject(r.body()) : null;
        } catch (Exception e) {
            return null;
        }
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
