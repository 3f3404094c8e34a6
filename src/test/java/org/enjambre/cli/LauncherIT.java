package org.enjambre.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The top-level {@code ./enjambre} launcher, run as a user would: from another directory. */
class LauncherIT {
    @TempDir
    Path elsewhere;

    private static Path launcher() {
        Path jar = Path.of(System.getProperty("enjambre.jar", "target/enjambre.jar")).toAbsolutePath();
        return jar.getParent().getParent().resolve("enjambre");
    }

    private record Run(int exitCode, String out, String err) {
    }

    private Run run(String... args) throws Exception {
        return run(Map.of(), args);
    }

    /**
     * Runs the launcher with {@code env} added. Without ENJAMBRE_AOT in {@code env} the AOT cache is
     * off: its training would otherwise go on in the background after the test.
     */
    private Run run(Map<String, String> env, String... args) throws Exception {
        return run(launcher(), env, args);
    }

    /** As {@link #run(Map, String...)} with another checkout's launcher. */
    private Run run(Path launcher, Map<String, String> env, String... args) throws Exception {
        Process p = start(launcher, env, args);
        try {
            assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("launcher finished").isTrue();
            return new Run(p.exitValue(), Files.readString(elsewhere.resolve("out.txt"), StandardCharsets.UTF_8),
                    Files.readString(elsewhere.resolve("err.txt"), StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
        }
    }

    private Process start(Map<String, String> env, String... args) throws Exception {
        return start(launcher(), env, args);
    }

    private Process start(Path launcher, Map<String, String> env, String... args) throws Exception {
        return startLogged(launcher, env, "", args);
    }

    /** As {@link #start(Path, Map, String...)}, its output in {@code PREFIXout.txt} and {@code PREFIXerr.txt}. */
    private Process startLogged(Path launcher, Map<String, String> env, String logPrefix, String... args)
            throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(elsewhere.toFile())
                .redirectOutput(elsewhere.resolve(logPrefix + "out.txt").toFile())
                .redirectError(elsewhere.resolve(logPrefix + "err.txt").toFile());
        pb.environment().put("ENJAMBRE_AOT", "off");
        // The node's token and state go under this test's folder, never the user's (the JVM takes
        // user.home from the password database: XDG_CONFIG_HOME is what moves the token).
        Path home = Files.createDirectories(elsewhere.resolve("home"));
        pb.environment().put("HOME", home.toString());
        pb.environment().put("XDG_CONFIG_HOME", home.resolve(".config").toString());
        pb.environment().keySet().removeAll(List.of("ENJAMBRE_STATE", "ENJAMBRE_API_TOKEN"));
        pb.environment().putAll(env);
        return pb.start();
    }

    /** Waits (at most {@code seconds}, and only while it runs) until {@code process} printed {@code text} into {@code out}. */
    private static void awaitOutput(Process process, Path out, String text, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!Files.readString(out, StandardCharsets.UTF_8).contains(text) && process.isAlive()
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).contains(text);
    }

    /** Lines a JVM, Hazelcast, Netty or a logger print when they warn: none may reach the user. */
    private static List<String> warnings(String stderr) {
        return stderr.lines().filter(l -> WARNING.matcher(l).find()).toList();
    }

    private static final Pattern WARNING = Pattern.compile("(?i)warn|\\[error|\\[aot|\\[cds|unsafe|native access");

    @Test
    void runsTheJarQuietlyFromAnotherDirectory() throws Exception {
        assertThat(launcher()).isExecutable();
        Run r = run("--version");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).startsWith("enjambre ");
        // The jar was just packaged, so nothing is rebuilt and nothing is said.
        assertThat(r.err()).isEmpty();
    }

    @Test
    void createAndInfoWorkWithRelativePathsOfTheCallersDirectory() throws Exception {
        Files.write(elsewhere.resolve("file.bin"), new byte[300_000]);
        Run created = run("create", "file.bin", "-o", "file.torrent");
        assertThat(created.exitCode()).as(created.err()).isZero();
        assertThat(elsewhere.resolve("file.torrent")).exists();
        Run info = run("info", "file.torrent", "--json");
        assertThat(info.out()).contains("\"name\":\"file.bin\"", "\"length\":300000");
    }

    @Test
    void badInputIsOneLineOnStderrAndAFailingExitCode() throws Exception {
        Files.writeString(elsewhere.resolve("broken.torrent"), "d4:infod");
        Run r = run("info", "broken.torrent");
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines().toList()).containsExactly(
                "enjambre info: broken.torrent: malformed torrent: bencode error at byte 8: truncated dictionary");
    }

    @Test
    void createAndANodeWithItsTrackerStartWithoutAWarning() throws Exception {
        Files.write(elsewhere.resolve("file.bin"), new byte[300_000]);
        Run created = run("create", "file.bin", "-o", "file.torrent");
        assertThat(created.exitCode()).as(created.err()).isZero();
        assertThat(created.err()).isEmpty();

        // --tracker starts an embedded Hazelcast member: Hazelcast and Netty are both in play.
        Process node = start(Map.of(), "node", "--tracker", "--host", "127.0.0.1", "--web-port", "0", "--peer-port", "0",
                "--tracker-port", "0", "--data", "data", "--name", "quiet");
        try {
            awaitOutput(node, elsewhere.resolve("out.txt"), "dashboard on", 120);
            // Some warnings come a moment after start (the first cluster heartbeat, the first metrics).
            Thread.sleep(2000);
            node.destroy();
            assertThat(node.waitFor(60, TimeUnit.SECONDS)).as("node stopped on SIGTERM").isTrue();
        } finally {
            node.destroyForcibly();
            node.waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(warnings(Files.readString(elsewhere.resolve("err.txt"), StandardCharsets.UTF_8))).isEmpty();
    }

    @Test
    void aTrackerRunsTheParallelCollectorUnlessItsOptionsNameAnother() throws Exception {
        Run chosen = run(Map.of("ENJAMBRE_JAVA_OPTS", "-Xlog:gc:stderr"), "tracker", "--help");
        assertThat(chosen.exitCode()).as(chosen.err()).isZero();
        assertThat(chosen.err()).contains("Using Parallel");
        // Two collectors would stop the JVM before it starts: the user's choice replaces ours.
        Run own = run(Map.of("ENJAMBRE_JAVA_OPTS", "-XX:+UseZGC -Xlog:gc:stderr"), "tracker", "--help");
        assertThat(own.exitCode()).as(own.err()).isZero();
        assertThat(own.err()).contains("Using The Z Garbage Collector").doesNotContain("Parallel");
        Run node = run(Map.of("ENJAMBRE_JAVA_OPTS", "-Xlog:gc:stderr"), "node", "--help");
        assertThat(node.exitCode()).as(node.err()).isZero();
        assertThat(node.err()).doesNotContain("Using Parallel");
    }

    @Test
    void theAotCacheIsTrainedOnceThenUsedWithoutAWord() throws Exception {
        Path caches = Files.createDirectories(elsewhere.resolve("caches"));
        Files.write(elsewhere.resolve("file.bin"), new byte[300_000]);
        Map<String, String> env = Map.of("ENJAMBRE_AOT", "wait", "ENJAMBRE_AOT_DIR", caches.toString());
        Run training = run(env, "create", "file.bin", "-o", "a.torrent");
        assertThat(training.exitCode()).as(training.err()).isZero();
        Path cache = caches.resolve("enjambre-oneshot.aot");
        assertThat(cache).isNotEmptyFile();
        assertThat(Files.getLastModifiedTime(cache)).isGreaterThanOrEqualTo(
                Files.getLastModifiedTime(Path.of(Proc.jar())));

        Run cached = run(env, "create", "file.bin", "-o", "b.torrent");
        assertThat(cached.exitCode()).as(cached.err()).isZero();
        assertThat(cached.err()).isEmpty();
        assertThat(cached.out()).startsWith("wrote ");
        // Compact object headers void a cache trained without them: the JVM, which would say so
        // on stdout, must start without it silently.
        Run voided = run(Map.of("ENJAMBRE_AOT", "wait", "ENJAMBRE_AOT_DIR", caches.toString(),
                "ENJAMBRE_JAVA_OPTS", "-XX:+UseCompactObjectHeaders"), "info", "b.torrent", "--json");
        assertThat(voided.exitCode()).as(voided.err()).isZero();
        assertThat(voided.err()).isEmpty();
        assertThat(voided.out().lines().toList()).hasSize(1).allMatch(l -> l.startsWith("{"));
    }

    /**
     * Most torrents name a tracker, so the cache of {@code seed} and {@code download} holds the tracker
     * client and Vert.x's HTTP client: its training announces to a tracker on loopback. Trained without
     * one, a seeder loaded ~450 classes from the jar between listening and its first announce. With AOT
     * class linking every class in the cache is loaded at start, so even {@code --help} shows what it holds.
     */
    @Test
    void theSeedAndDownloadCacheHoldsTheTrackerClient() throws Exception {
        Path caches = Files.createDirectories(elsewhere.resolve("caches"));
        Path classes = elsewhere.resolve("classes.log");
        Run training = run(Map.of("ENJAMBRE_AOT", "wait", "ENJAMBRE_AOT_DIR", caches.toString()), "download", "--help");
        assertThat(training.exitCode()).as(training.err()).isZero();
        assertThat(caches.resolve("enjambre-transfer.aot")).isNotEmptyFile();

        Run cached = run(Map.of("ENJAMBRE_AOT", "wait", "ENJAMBRE_AOT_DIR", caches.toString(),
                "ENJAMBRE_JAVA_OPTS", "-Xlog:class+load:file=" + classes), "seed", "--help");
        assertThat(cached.exitCode()).as(cached.err()).isZero();
        List<String> fromCache = Files.readAllLines(classes).stream()
                .filter(l -> l.contains("source: shared objects file")).toList();
        assertThat(fromCache).anyMatch(l -> l.contains(" org.enjambre.tracker.client.HttpTransport "))
                .anyMatch(l -> l.contains(" io.vertx.core.http.impl.HttpClientImpl "))
                .anyMatch(l -> l.contains(" org.enjambre.swarm.UploadScheduler "));
    }

    /**
     * The JVM leaves class files older than Java 6's format out of an AOT cache ("Old class has
     * been linked"), so a command would load and verify them from the jar at every start: picocli's
     * jar was such a case (pom.xml builds it again from its sources).
     */
    @Test
    void everyClassInTheJarCanGoIntoAnAotCache() throws Exception {
        List<String> old = new java.util.ArrayList<>();
        int classes = 0;
        try (var jar = new java.util.zip.ZipFile(Proc.jar())) {
            for (var e : java.util.Collections.list(jar.entries())) {
                if (!e.getName().endsWith(".class") || e.getName().startsWith("META-INF/")) {
                    continue;
                }
                classes++;
                try (var in = new java.io.DataInputStream(jar.getInputStream(e))) {
                    in.readInt(); // the magic number
                    in.readUnsignedShort(); // minor version
                    if (in.readUnsignedShort() < 50) {
                        old.add(e.getName());
                    }
                }
            }
        }
        assertThat(classes).isGreaterThan(1000);
        assertThat(old).as("class files older than Java 6's format").isEmpty();
    }

    /**
     * A checkout of its own in {@code elsewhere/checkout}: the launcher, its find-java, the jar, and
     * a src/ tree whose every file and folder is a minute older than the jar (so nothing rebuilds
     * until a test makes a file newer); no pom.xml.
     */
    private Path checkoutWithAnUpToDateJar() throws Exception {
        Path checkout = Files.createDirectories(elsewhere.resolve("checkout"));
        Path root = launcher().getParent();
        Files.copy(launcher(), checkout.resolve("enjambre"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        Files.createDirectories(checkout.resolve("scripts"));
        Files.copy(root.resolve("scripts/find-java.sh"), checkout.resolve("scripts/find-java.sh"));
        Path jar = Files.createDirectories(checkout.resolve("target")).resolve("enjambre.jar");
        Files.copy(Path.of(Proc.jar()), jar);
        Path deep = Files.createDirectories(checkout.resolve("src/main/java/org/example"));
        Files.writeString(deep.resolve("Example.java"), "class Example {}");
        Files.writeString(deep.resolve(".hidden"), "x");
        // Folders count too (a file added or removed): the whole tree is older than the jar.
        try (var tree = Files.walk(checkout.resolve("src"))) {
            for (Path p : tree.toList()) {
                Files.setLastModifiedTime(p, jarTimePlus(jar, -60));
            }
        }
        return checkout;
    }

    private static java.nio.file.attribute.FileTime jarTimePlus(Path jar, int seconds) throws Exception {
        return java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + seconds * 1000L);
    }

    @Test
    void aSourceFileNewerThanTheJarAnywhereUnderSrcRebuildsBeforeRunning() throws Exception {
        // Without a pom.xml in the checkout a rebuild is seen by Maven's failure, which the launcher reports.
        Path checkout = checkoutWithAnUpToDateJar();
        Path jar = checkout.resolve("target/enjambre.jar");
        Path deep = checkout.resolve("src/main/java/org/example");
        Path source = deep.resolve("Example.java");
        Path hidden = deep.resolve(".hidden");
        java.nio.file.attribute.FileTime before = jarTimePlus(jar, -60);
        java.nio.file.attribute.FileTime after = jarTimePlus(jar, 60);

        Run fresh = run(checkout.resolve("enjambre"), Map.of(), "--version");
        assertThat(fresh.exitCode()).as(fresh.err()).isZero();
        assertThat(fresh.err()).isEmpty();

        for (Path newer : List.of(source, hidden)) {
            Files.setLastModifiedTime(newer, after);
            Run stale = run(checkout.resolve("enjambre"), Map.of(), "--version");
            assertThat(stale.exitCode()).as("%s newer than the jar", newer.getFileName()).isEqualTo(1);
            assertThat(stale.err()).contains("building enjambre", "enjambre: the build failed");
            assertThat(stale.out()).isEmpty();
            assertThat(jar).as("a failed build leaves the jar that was there").hasSameBinaryContentAs(Path.of(Proc.jar()));
            Files.setLastModifiedTime(newer, before);
        }
    }

    /**
     * A rebuild by the launcher never rewrites the file a running JVM of the same checkout reads its
     * classes from: Maven's jar plugin writes its thin jar over target/enjambre.jar in place, and a
     * tracker running through a rebuild lost Netty's classes and hung on its way out. Here "Maven"
     * is a script first on PATH that does just that in-place write, of a jar that differs by one entry.
     */
    @Test
    void aRebuildLeavesTheJarOfARunningJvmAsItWas() throws Exception {
        Path checkout = checkoutWithAnUpToDateJar();
        Path jar = checkout.resolve("target/enjambre.jar");
        byte[] original = Files.readAllBytes(jar);
        Path rebuilt = elsewhere.resolve("rebuilt.jar");
        Files.copy(jar, rebuilt);
        try (var zip = java.nio.file.FileSystems.newFileSystem(rebuilt)) {
            Files.writeString(zip.getPath("rebuilt.txt"), "the next build");
        }
        Path bin = Files.createDirectories(elsewhere.resolve("bin"));
        Path mvn = Files.writeString(bin.resolve("mvn"), "#!/bin/sh\ncat '" + rebuilt + "' > target/enjambre.jar\n");
        mvn.toFile().setExecutable(true);
        Map<String, String> env = Map.of("PATH", bin + ":" + System.getenv("PATH"));

        Process node = startLogged(checkout.resolve("enjambre"), env, "node-", "tracker", "--host", "127.0.0.1",
                "--port", "0", "--no-dht");
        try {
            awaitOutput(node, elsewhere.resolve("node-out.txt"), "tracker listening", 60);
            Path classpath = openJar(node.pid());
            assertThat(Files.readAllBytes(classpath)).as("the running JVM's jar, before").isEqualTo(original);

            Files.setLastModifiedTime(checkout.resolve("src/main/java/org/example/Example.java"), jarTimePlus(jar, 60));
            Run next = run(checkout.resolve("enjambre"), env, "--version");
            assertThat(next.exitCode()).as(next.err()).isZero();
            assertThat(next.err()).contains("building enjambre");
            assertThat(Files.readAllBytes(jar)).as("the new jar is in place").isEqualTo(Files.readAllBytes(rebuilt));
            assertThat(checkout.resolve("target/enjambre.jar.previous")).doesNotExist();

            assertThat(Files.readAllBytes(classpath)).as("the running JVM's jar, after the rebuild").isEqualTo(original);
            node.destroy();
            assertThat(node.waitFor(30, TimeUnit.SECONDS)).as("the tracker stopped on SIGTERM").isTrue();
        } finally {
            node.destroyForcibly();
            node.waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(Files.readString(elsewhere.resolve("node-err.txt"), StandardCharsets.UTF_8))
                .doesNotContain("NoClassDefFoundError");
    }

    /** The jar a JVM holds open, as its descriptor in /proc (readable even once the file's name is gone). */
    private static Path openJar(long pid) throws Exception {
        try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).toString().contains("enjambre.jar")) {
                        return fd;
                    }
                } catch (java.io.IOException closedMeanwhile) {
                    // a descriptor closed while listing
                }
            }
        }
        throw new AssertionError("no open enjambre.jar in /proc/" + pid + "/fd");
    }
}
