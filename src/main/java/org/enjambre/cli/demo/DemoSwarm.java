package org.enjambre.cli.demo;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.metainfo.TorrentBuilder;
import org.enjambre.node.ClusterConfig;
import org.enjambre.node.ClusterSecret;
import org.enjambre.node.NodeState;
import org.enjambre.storage.ResumeData;
import org.enjambre.storage.TorrentStorage;
import org.enjambre.web.ApiToken;

/**
 * A whole swarm on this machine, for {@code enjambre demo}: two tracker nodes, members of one
 * Hazelcast cluster (and one clustered event bus) on 127.0.0.1 with a secret made for this demo, a
 * seeder of a generated file and N leechers that report their state to the trackers' report
 * bridges; each a separate JVM running {@code enjambre node} from the same jar.
 * Separate processes rather than verticles in one JVM, so that the demo is what a deployment is:
 * nodes that only share the network.
 *
 * <p>{@link #close()} stops every child (SIGTERM, so each node announces {@code stopped} and leaves
 * the cluster; SIGKILL for one that does not stop in time), waits for each, and removes the
 * demo's folder unless asked to keep it. It is idempotent, so a shutdown hook may call it too.
 */
public final class DemoSwarm implements AutoCloseable {
    /** How long one node may take to start (JVM, Hazelcast join, the seeder's data check). */
    public static final Duration NODE_START_TIMEOUT = Duration.ofSeconds(120);
    /** How long a node may take to stop once asked (its stdin closed) before it is killed. */
    public static final Duration NODE_STOP_TIMEOUT = Duration.ofSeconds(30);
    /** Largest generated file (the demo writes it to a temporary folder, plus one copy per leecher). */
    public static final long MAX_SIZE = 4L << 30;
    public static final int MAX_LEECHERS = 16;
    /** Announce interval the demo's trackers give out: short, so that the tracker view follows the swarm. */
    static final int TRACKER_INTERVAL_SECONDS = 15;
    /** Environment variable the peer nodes read their report token from (NodeCommand's). */
    static final String REPORT_TOKEN_ENV = "ENJAMBRE_REPORT_TOKEN";
    /** Early announce retries (250 ms apart) a peer node makes while the trackers start: a minute's worth. */
    static final int EARLY_ANNOUNCE_RETRIES = 240;
    private static final Pattern READY = Pattern.compile("dashboard on http://localhost:(\\d+)/");

    /**
     * What to start.
     *
     * @param leechers  number of leeching nodes
     * @param size      bytes of the generated file
     * @param webPort   web port of the first tracker node, whose dashboard the demo shows
     * @param rate      upload limit of every peer node in bytes/s, 0 for none
     * @param workDir   folder for data, logs and the torrent (created; removed by close unless keep)
     * @param keep      keep {@code workDir} at close
     * @param jar       the enjambre jar the children run
     * @param jvm       JVM options of each child (heap size, its role's AOT cache)
     */
    public record Options(int leechers, long size, int webPort, long rate, Path workDir, boolean keep, Path jar,
                          NodeJvm jvm) {
        public Options(int leechers, long size, int webPort, long rate, Path workDir, boolean keep, Path jar,
                       List<String> jvmArgs) {
            this(leechers, size, webPort, rate, workDir, keep, jar, NodeJvm.of(jvmArgs));
        }

        public Options {
            if (leechers < 1 || leechers > MAX_LEECHERS) {
                throw new IllegalArgumentException("--leechers must be 1.." + MAX_LEECHERS + ", got " + leechers);
            }
            if (size < 1 || size > MAX_SIZE) {
                throw new IllegalArgumentException("--size must be 1 byte..4 GiB, got " + size);
            }
            if (webPort < 0 || webPort > 65535) {
                throw new IllegalArgumentException("--web-port must be 0..65535, got " + webPort);
            }
            if (rate < 0) {
                throw new IllegalArgumentException("--rate must be >= 0");
            }
            java.util.Objects.requireNonNull(jvm, "jvm");
        }
    }

    /** One started node: its role ("tracker", "seeder", "leecher"), process and ports (clusterPort -1 for a peer node: no member). */
    public record Child(String name, String role, Process process, Path data, Path log, int webPort,
                       int trackerPort, int clusterPort) {
    }

    /** One node's line on the terminal, from {@code GET /api/swarm}. */
    public record NodeStatus(String name, boolean tracker, double progress, boolean complete, long up, long down,
                             int peers) {
    }

    /** What the dashboard node knows now: each node heard from, and the tracker nodes that are up. */
    public record Status(List<NodeStatus> nodes, int trackersUp, int clusterMembers, long announces) {
        /** Whether every leecher ({@code leecher-*}) is heard from and complete. */
        public boolean leechersComplete(int leechers) {
            long done = nodes.stream().filter(n -> n.name().startsWith("leecher-") && n.complete()).count();
            return done == leechers;
        }
    }

    private final Options options;
    private final Consumer<String> log;
    private final List<Child> children = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** The demo cluster's own secret, made fresh for every demo. */
    private final String secret = ClusterSecret.random();
    private Path torrent;
    private Metainfo metainfo;
    private int dashboardPort = -1;
    /** One API token for every child of this run, given by environment (not on their command lines). */
    private final String apiToken = ApiToken.generate();

    /** A demo not yet started; {@link #start()} starts it. Separate, so that a shutdown hook can be registered first. */
    public DemoSwarm(Options options, Consumer<String> log) {
        this.options = options;
        this.log = log;
    }

    /** The jar this class was loaded from (what the children run), or null when not run from a jar. */
    public static Path runningJar() {
        try {
            var source = DemoSwarm.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return null;
            }
            Path p = Path.of(source.getLocation().toURI());
            return Files.isRegularFile(p) && p.toString().endsWith(".jar") ? p : null;
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * Starts the two trackers, generates the file and makes the torrent meanwhile, then starts the
     * peer nodes without waiting for the trackers. Blocks until every node is up; interruptible
     * (Ctrl-C during start-up).
     */
    public void start() throws Exception {
        Files.createDirectories(options.workDir());
        Path logs = Files.createDirectories(options.workDir().resolve("logs"));
        int[] clusterPorts = {freePort(), freePort()};
        int[] trackerPorts = {freePort(), freePort()};
        int[] reportPorts = {freePort(), freePort()};
        String members = "127.0.0.1:" + clusterPorts[0] + ",127.0.0.1:" + clusterPorts[1];
        String bridges = "127.0.0.1:" + reportPorts[0] + ",127.0.0.1:" + reportPorts[1];
        List<String> trackers = List.of("http://127.0.0.1:" + trackerPorts[0] + "/announce",
                "http://127.0.0.1:" + trackerPorts[1] + "/announce");

        long t0 = System.nanoTime();
        // Every node at once: the trackers (the slowest JVMs) first, the peer nodes as soon as the torrent
        // is made (only the tracker URLs, chosen above, go into it); a peer retries its first announce every
        // 250 ms and its report every second while no tracker or bridge listens yet.
        List<Child> wave = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            wave.add(launch("tracker-" + (i + 1), "tracker", options.workDir().resolve("tracker-" + (i + 1)), logs,
                    i == 0 ? options.webPort() : 0, trackerPorts[i], clusterPorts[i], List.of("--cluster", "--cluster-port",
                            Integer.toString(clusterPorts[i]), "--cluster-members", members, "--report-port", Integer.toString(reportPorts[i]))));
        }
        Path seedData = Files.createDirectories(options.workDir().resolve("seeder"));
        Path file = seedData.resolve("enjambre-demo.bin");
        generate(file, options.size());
        metainfo = TorrentBuilder.forPath(file).trackers(trackers).comment("enjambre demo").build();
        torrent = options.workDir().resolve("enjambre-demo.torrent");
        Files.write(torrent, metainfo.encode());
        trustSeederData(metainfo, seedData);
        log.accept(String.format(java.util.Locale.ROOT, "generated %s (%d bytes, %d pieces of %d) and its torrent after %.1f s",
                file, options.size(), metainfo.info().pieceCount(), metainfo.info().pieceLength(),
                (System.nanoTime() - t0) / 1e9));
        List<String> reporting = List.of("--report-to", bridges, "--early-announce-retries", Integer.toString(EARLY_ANNOUNCE_RETRIES));
        wave.add(launch("seeder", "seeder", seedData, logs, 0, -1, -1, reporting));
        for (int i = 1; i <= options.leechers(); i++) {
            wave.add(launch("leecher-" + i, "leecher", options.workDir().resolve("leecher-" + i), logs, 0, -1, -1, reporting));
        }
        for (Child c : wave) {
            awaitReady(c);
            if (c.name().equals("tracker-2")) {
                log.accept(String.format(java.util.Locale.ROOT, "tracker nodes up after %.1f s", (System.nanoTime() - t0) / 1e9));
            }
        }
        log.accept(String.format(java.util.Locale.ROOT, "peer nodes up after %.1f s", (System.nanoTime() - t0) / 1e9));
    }

    /**
     * Waits until the dashboard hears every node (the peers through the report bridges) and the
     * trackers see each other as cluster members (members that started at the same moment may first
     * form two clusters; Hazelcast merges them within seconds). Returns whether that happened within {@code timeout}.
     */
    public boolean awaitWholeCluster(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Status s = poll();
            if (s != null && s.nodes().size() == children.size() && s.clusterMembers() == 2 && s.trackersUp() == 2) {
                return true;
            }
            Thread.sleep(250);
        }
        return false;
    }

    private Child launch(String name, String role, Path data, Path logs, int webPort, int trackerPort, int clusterPort,
                         List<String> clusterArgs) throws IOException {
        Files.createDirectories(data);
        List<String> command = new ArrayList<>();
        command.addAll(options.jvm().launcher(role));
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(options.jvm().forNode(name, role));
        command.addAll(List.of("-jar", options.jar().toString(), "node", "--name", name, "--host", "127.0.0.1",
                "--data", data.toString(), "--web-port", Integer.toString(webPort),
                // The pipe to the child's stdin closes when this JVM ends, however it ends (even SIGKILL,
                // when no hook runs): the child then stops by itself.
                "--stop-on-stdin-close",
                // The demo's trackers are its own, on 127.0.0.1: loopback announces are its choice.
                "--allow-private-trackers"));
        command.addAll(clusterArgs);
        if (trackerPort > 0) {
            command.addAll(List.of("--tracker", "--tracker-port", Integer.toString(trackerPort),
                    "--tracker-interval", Integer.toString(TRACKER_INTERVAL_SECONDS)));
        } else {
            command.addAll(List.of("--torrent", torrent.toString(), "--upload-rate", Long.toString(options.rate())));
        }
        Path out = logs.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(options.workDir().toFile())
                .redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        // The members are given on the command line; an inherited list would point elsewhere.
        pb.environment().remove(ClusterConfig.MEMBERS_ENV);
        // Each node keeps its state beside its own data in the demo's folder (the seeder's resume data is there).
        pb.environment().remove("ENJAMBRE_STATE");
        pb.environment().put(ApiToken.ENV, apiToken);
        // A secret of the demo's own: the members know it, the peers only the report token derived from it.
        pb.environment().remove(ClusterSecret.ENV);
        pb.environment().remove(REPORT_TOKEN_ENV);
        if (clusterPort > 0) {
            pb.environment().put(ClusterSecret.ENV, secret);
        } else {
            pb.environment().put(REPORT_TOKEN_ENV, new ClusterSecret(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8)).reportToken());
        }
        Process process = pb.start();
        Child child = new Child(name, role, process, data, out, webPort, trackerPort, clusterPort);
        children.add(child);
        return child;
    }

    /** Waits for the node's "dashboard on" line; the child's web port is read from it. */
    private void awaitReady(Child child) throws Exception {
        long deadline = System.nanoTime() + NODE_START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            String text = Files.readString(child.log(), java.nio.charset.StandardCharsets.UTF_8);
            Matcher m = READY.matcher(text);
            if (m.find()) {
                int port = Integer.parseInt(m.group(1));
                children.set(children.indexOf(child), new Child(child.name(), child.role(), child.process(),
                        child.data(), child.log(), port, child.trackerPort(), child.clusterPort()));
                if (child.name().equals("tracker-1")) {
                    dashboardPort = port;
                }
                return;
            }
            if (!child.process().isAlive()) {
                String why = errorLine(text);
                if (why.contains("Address already in use") && child.name().equals("tracker-1")) {
                    why += " (is --web-port " + options.webPort() + " free?)";
                }
                throw new IOException(child.name() + " exited with " + child.process().exitValue() + " while starting: "
                        + why + (options.keep() ? " (log: " + child.log() + ")" : " (--keep keeps its log)"));
            }
            Thread.sleep(100);
        }
        throw new IOException(child.name() + " did not start within " + NODE_START_TIMEOUT.toSeconds() + " s (log: "
                + child.log() + ")");
    }

    /** The node's own one-line error ("enjambre node: ..."), else its last log lines. */
    static String errorLine(String text) {
        String[] lines = text.strip().split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (lines[i].startsWith("enjambre node: ")) {
                return lines[i].substring("enjambre node: ".length()).strip();
            }
        }
        return String.join(" | ", java.util.Arrays.asList(lines).subList(Math.max(0, lines.length - 3), lines.length));
    }

    /**
     * Writes the seeder's resume data: every piece verified, with the file's size and modification
     * time now. The demo has just written the file and hashed it into the torrent, so the seeder
     * need not read it all again before it serves (it was the last node up, on the demo's
     * critical path); a file touched since is rechecked as always (the stamps no longer match).
     */
    static void trustSeederData(Metainfo metainfo, Path seedData) throws IOException {
        BitSet every = new BitSet();
        every.set(0, metainfo.info().pieceCount());
        Path state = NodeState.defaultFolder(seedData);
        if (!Files.isDirectory(state)) {
            Files.createDirectories(state);
            try {
                // As NodeState.prepare makes it: the node's own files are the owner's only.
                Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
            } catch (UnsupportedOperationException notPosix) {
                // Windows: its default ACLs apply.
            }
        }
        try (TorrentStorage storage = TorrentStorage.open(metainfo.info(), seedData)) {
            ResumeData.capture(metainfo.infoHash(), storage, every).save(NodeState.resumeFile(state, metainfo.infoHash()));
        }
    }

    /** Random bytes, written in 1 MiB blocks (a fast generator: the content only has to be incompressible). */
    static void generate(Path file, long size) throws IOException {
        SplittableRandom random = new SplittableRandom();
        ByteBuffer block = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long left = size;
            while (left > 0) {
                block.clear();
                while (block.remaining() >= 8) {
                    block.putLong(random.nextLong());
                }
                block.flip();
                block.limit((int) Math.min(block.limit(), left));
                left -= block.remaining();
                while (block.hasRemaining()) {
                    ch.write(block);
                }
            }
        }
    }

    /** The dashboard's /api/swarm, summarised; null when it does not answer. */
    public Status poll() {
        if (dashboardPort < 0) {
            return null;
        }
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dashboardPort + "/api/swarm"))
                    .timeout(Duration.ofSeconds(3)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return null;
            }
            return summarise(new JsonObject(r.body()));
        } catch (IOException | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static Status summarise(JsonObject swarm) {
        List<NodeStatus> nodes = new ArrayList<>();
        for (Object o : swarm.getJsonArray("nodes", new JsonArray())) {
            JsonObject n = (JsonObject) o;
            JsonArray torrents = n.getJsonArray("torrents", new JsonArray());
            double progress = 0;
            boolean complete = false;
            long up = 0;
            long down = 0;
            int peers = 0;
            for (Object t : torrents) {
                JsonObject tj = (JsonObject) t;
                progress = tj.getDouble("progress", 0.0);
                complete = tj.getBoolean("complete", false);
                JsonObject rates = tj.getJsonObject("rates", new JsonObject());
                up += rates.getLong("up", 0L);
                down += rates.getLong("down", 0L);
                peers += tj.getJsonObject("counts", new JsonObject()).getInteger("peers", 0);
            }
            nodes.add(new NodeStatus(n.getString("name", "?"), n.getBoolean("tracker", false), progress, complete,
                    up, down, peers));
        }
        nodes.sort(Comparator.comparing(NodeStatus::name, DemoSwarm::naturalOrder));
        int up = 0;
        int members = 0;
        long announces = 0;
        for (Object o : swarm.getJsonArray("trackers", new JsonArray())) {
            JsonObject t = (JsonObject) o;
            if (t.getBoolean("up", false)) {
                up++;
                members = Math.max(members, t.getJsonArray("members", new JsonArray()).size());
                announces += t.getLong("announces", 0L);
            }
        }
        return new Status(List.copyOf(nodes), up, members, announces);
    }

    /** leecher-2 before leecher-10. */
    private static int naturalOrder(String a, String b) {
        String pa = a.replaceAll("\\d+$", "");
        String pb = b.replaceAll("\\d+$", "");
        if (!pa.equals(pb) || a.equals(pa) || b.equals(pb)) {
            return a.compareTo(b);
        }
        return Long.compare(Long.parseLong(a.substring(pa.length())), Long.parseLong(b.substring(pb.length())));
    }

    public List<Child> children() {
        return List.copyOf(children);
    }

    public String dashboardUrl() {
        return "http://localhost:" + dashboardPort + "/#token=" + apiToken;
    }

    public Metainfo metainfo() {
        return metainfo;
    }

    public Path workDir() {
        return options.workDir();
    }

    /**
     * Stops every child: the peer nodes first (their {@code stopped} announce still finds a tracker),
     * then the trackers one by one; each has its stdin closed and {@link #NODE_STOP_TIMEOUT}, then SIGKILL. Removes the
     * work folder unless {@code keep}. Safe to call twice and from a shutdown hook.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<Child> peers = children.stream().filter(c -> !c.role().equals("tracker")).toList();
        List<Child> trackers = children.stream().filter(c -> c.role().equals("tracker")).toList();
        stop(peers);
        // One tracker after the other: a Hazelcast member that leaves gracefully hands its partitions
        // to the members that stay; two leaving at once wait on each other (measured: over 20 s).
        for (int i = trackers.size() - 1; i >= 0; i--) {
            stop(List.of(trackers.get(i)));
        }
        if (!options.keep()) {
            try {
                deleteTree(options.workDir());
            } catch (IOException e) {
                log.accept("could not remove " + options.workDir() + ": " + e.getMessage());
            }
        }
    }

    /**
     * Asks each child to stop by closing its stdin (it runs {@code --stop-on-stdin-close}), not by a
     * signal: after a Ctrl-C in a terminal every child has had its own SIGINT already (they share the
     * demo's process group), and a second signal would end it at once ({@code Signals}), cutting its
     * clean stop short. A child still up at the timeout is killed.
     */
    private void stop(List<Child> group) {
        for (Child c : group) {
            try {
                c.process().getOutputStream().close();
            } catch (IOException e) {
                // The pipe is gone already: the child is stopping or stopped.
            }
        }
        long deadline = System.nanoTime() + options.jvm().stopTimeout().toNanos();
        // An interrupt does not cut the wait short: the first Ctrl-C interrupts the demo's main
        // thread, and that interrupt can land after the thread has begun this stop (DemoCommand); a
        // second Ctrl-C ends the demo's JVM at once (Signals), and each child with its stdin.
        boolean interrupted = false;
        for (Child c : group) {
            while (true) {
                try {
                    long left = Math.max(0, deadline - System.nanoTime());
                    if (!c.process().waitFor(left, TimeUnit.NANOSECONDS)) {
                        log.accept(c.name() + " did not stop within " + options.jvm().stopTimeout().toSeconds() + " s: killing it");
                        c.process().destroyForcibly();
                        c.process().waitFor(10, TimeUnit.SECONDS);
                    }
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** A port free on 127.0.0.1 now, outside the ephemeral range (the child binds it a moment later). */
    static int freePort() throws IOException {
        return LoopbackPorts.next();
    }
}
