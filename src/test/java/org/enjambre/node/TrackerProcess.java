package org.enjambre.node;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.enjambre.cli.JavaOptions;

/** An {@code enjambre tracker} JVM started by a test from the packaged jar, on loopback. */
final class TrackerProcess implements AutoCloseable {
    /** The cluster secret of the trackers tests start. */
    static final String TEST_CLUSTER_SECRET = "enjambre-test-cluster-secret";
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String name;
    final int httpPort;
    final Process process;
    final Path log;

    private TrackerProcess(String name, int httpPort, Process process, Path log) {
        this.name = name;
        this.httpPort = httpPort;
        this.process = process;
        this.log = log;
    }

    static Path jar() {
        String jar = System.getProperty("enjambre.jar", "target/enjambre.jar");
        Path p = Path.of(jar);
        if (!Files.isRegularFile(p)) {
            throw new AssertionError("the packaged jar is missing: " + p + " (run mvn package first)");
        }
        return p;
    }

    static TrackerProcess start(String name, Path dir, int httpPort, String... extra) throws IOException {
        return start(name, dir, httpPort, List.of(), extra);
    }

    /** With JVM options after the defaults (a later {@code -Xmx} wins). */
    static TrackerProcess start(String name, Path dir, int httpPort, List<String> jvmOptions, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(JavaOptions.REQUIRED);
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", jar().toString(), "tracker", "--host", "127.0.0.1", "--port", Integer.toString(httpPort),
                "--instances", "1"));
        cmd.addAll(List.of(extra));
        Path log = dir.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        // Every tracker a test starts is of one installation: members with --cluster share this secret.
        pb.environment().put(ClusterSecret.ENV, TEST_CLUSTER_SECRET);
        Process p = pb.start();
        return new TrackerProcess(name, httpPort, p, log);
    }

    /**
     * {@code count} tracker JVMs in one cluster on loopback (named nodeA, nodeB, ...), each given
     * {@code extra.apply(i)} too, added to {@code into} as they start (so the test's cleanup stops
     * them whatever fails) and waited for until each listens.
     */
    static void startCluster(Path dir, List<TrackerProcess> into, int count,
                             java.util.function.IntFunction<List<String>> extra) throws Exception {
        int[] clusterPorts = new int[count];
        List<String> members = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            clusterPorts[i] = org.enjambre.testutil.FreePorts.next();
            members.add("127.0.0.1:" + clusterPorts[i]);
        }
        for (int i = 0; i < count; i++) {
            List<String> args = new ArrayList<>(List.of("--cluster", "--cluster-port", Integer.toString(clusterPorts[i]),
                    "--cluster-members", String.join(",", members), "--cluster-config", dir.resolve("absent.xml").toString()));
            args.addAll(extra.apply(i));
            into.add(start("node" + (char) ('A' + i), dir, org.enjambre.testutil.FreePorts.next(), args.toArray(String[]::new)));
        }
        for (TrackerProcess n : into) {
            n.awaitListening(Duration.ofSeconds(90));
        }
    }

    String base() {
        return "http://127.0.0.1:" + httpPort;
    }

    String announceUrl() {
        return base() + "/announce";
    }

    /** Waits (bounded) for the start-up line. */
    void awaitListening(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log, StandardCharsets.ISO_8859_1).contains("tracker listening on http://127.0.0.1:" + httpPort + "/announce")) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + logTail());
            }
            Thread.sleep(100);
        }
        throw new AssertionError(name + " did not start within " + timeout + ":\n" + logTail());
    }

    HttpResponse<byte[]> get(String pathAndQuery, Duration timeout) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base() + pathAndQuery)).timeout(timeout).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    String logTail() {
        try {
            String s = Files.readString(log, StandardCharsets.ISO_8859_1);
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** SIGTERM, then SIGKILL if it does not stop in time; answers the exit code. */
    int stop(Duration grace) throws InterruptedException {
        if (!process.isAlive()) {
            return process.exitValue();
        }
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            return -1;
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
