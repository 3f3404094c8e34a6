package org.enjambre.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.enjambre.cli.demo.DemoSwarm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code enjambre demo}: a whole swarm on this machine in one command ({@link DemoSwarm}), its
 * progress on the terminal, and everything stopped and removed on Ctrl-C.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Start a demo swarm on this machine.", "A 2-node tracker cluster, a seeder of a generated file and N leechers, each its own JVM running 'enjambre node', the trackers members of one Hazelcast cluster on 127.0.0.1 with a secret made for the demo, the peers reporting their state to the trackers' report bridges. Prints the dashboard URL and the swarm's progress; keeps seeding after the leechers complete until Ctrl-C, which stops every node and removes the demo's temporary data (unless --keep)."})
public final class DemoCommand implements Callable<Integer> {
    /** Upload limit per node that makes the default swarm (256 MiB, 3 leechers) take about a minute. */
    static final long DEFAULT_RATE = 4L << 20;
    private static final long REFRESH_MILLIS = 1000;
    private static final long PLAIN_STATUS_MILLIS = 5000;
    /** Environment variable with extra JVM options for every node the demo starts. */
    static final String NODE_JAVA_OPTS_ENV = "ENJAMBRE_DEMO_NODE_OPTS";

    @Mixin
    VerboseOption verbose;

    @Option(names = "--leechers", defaultValue = "3", description = "leeching nodes (default: ${DEFAULT-VALUE})")
    int leechers;

    @Option(names = "--size", defaultValue = "256MiB", converter = Sizes.Converter.class,
            description = "size of the generated file, e.g. 64MiB (default: 256MiB)")
    long size;

    @Option(names = "--web-port", defaultValue = "8080", description = "dashboard port, on the first tracker node (default: ${DEFAULT-VALUE})")
    int webPort;

    @Option(names = "--rate", defaultValue = "" + DEFAULT_RATE, paramLabel = "BYTES_PER_S", converter = Sizes.Converter.class,
            description = "upload limit of the seeder and of every leecher, bytes/s (e.g. 1M); 0 for none (default: 4MiB, about a minute for the default swarm)")
    long rate;

    @Option(names = "--keep", description = "keep the demo's folder (data, logs, torrent) after it stops")
    boolean keep;

    @Option(names = "--exit-when-done", description = "stop everything and exit once every leecher has completed")
    boolean exitWhenDone;

    @Option(names = "--dir", paramLabel = "DIR", description = "folder for the demo's data and logs (default: a new temporary folder)")
    Path dir;

    @Override
    public Integer call() throws Exception {
        // Bad numbers first, before anything is created or started (the paths are checked below).
        new DemoSwarm.Options(leechers, size, webPort, rate, Path.of("."), keep, Path.of("."), List.of());
        Path jar = DemoSwarm.runningJar();
        if (jar == null && System.getProperty("enjambre.jar") != null) {
            jar = Path.of(System.getProperty("enjambre.jar")).toAbsolutePath();
        }
        if (jar == null || !Files.isRegularFile(jar)) {
            throw new IllegalStateException("demo starts its nodes with 'java -jar enjambre.jar': run it from the jar (./enjambre demo)");
        }
        if (dir != null && Files.isDirectory(dir)) {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    // The demo removes its folder at the end: never a folder that holds anything else.
                    throw new IllegalArgumentException("--dir must be a new or empty folder: " + dir + " is not empty");
                }
            }
        }
        Path work = dir != null ? Files.createDirectories(dir).toAbsolutePath() : Files.createTempDirectory("enjambre-demo-");
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        // C1 only: six JVMs start at once on what may be two cores, and C2 compiling their start-up
        // code cost a quarter of each node's start CPU (2.3-2.4 s against 1.7-1.8 s, measured until
        // "dashboard on"). A demo node needs no peak code: its uploads are rate-limited, and the
        // seeder's recheck hashes with libcrypto when it is there.
        List<String> jvm = new ArrayList<>(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        jvm.addAll(JavaOptions.forNodes());
        // For measuring a demo (bench/demo-timeline.sh: a log configuration, -Xlog): options for every node.
        String extra = System.getenv(NODE_JAVA_OPTS_ENV);
        if (extra != null && !extra.isBlank()) {
            jvm.addAll(List.of(extra.strip().split("\\s+")));
        }
        // Then each child's role cache that ./enjambre trained (if any): a quicker start for every child.
        DemoSwarm swarm = new DemoSwarm(new DemoSwarm.Options(leechers, size, webPort, rate, work, keep, jar,
                JavaOptions.demoNodes(jvm)), line -> out.println(line));

        // Ctrl-C and SIGTERM: wake the main thread, which stops the swarm; the hook covers any other exit.
        Thread main = Thread.currentThread();
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onStop(() -> {
            stop.countDown();
            main.interrupt();
        });
        Thread hook = new Thread(swarm::close, "demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        long t0 = System.nanoTime();
        boolean terminal = System.console() != null;
        try {
            out.printf(Locale.ROOT, "enjambre demo: %d leechers, %s file, upload limit %s per node, folder %s%n",
                    leechers, Sizes.human(size), rate == 0 ? "none" : Sizes.human(rate) + "/s", work);
            swarm.start();
            if (!swarm.awaitWholeCluster(java.time.Duration.ofSeconds(30))) {
                out.println("warning: the dashboard does not see every node in one cluster yet; logs in " + work.resolve("logs"));
            }
            double up = seconds(t0);
            out.println();
            for (DemoSwarm.Child c : swarm.children()) {
                out.printf(Locale.ROOT, "  %-10s pid %-7d web :%-5d %s%n", c.name(), c.process().pid(), c.webPort(),
                        c.trackerPort() > 0 ? "tracker http://127.0.0.1:" + c.trackerPort() + "/announce, cluster :" + c.clusterPort()
                                : "reports to the trackers, data " + c.data());
            }
            out.printf(Locale.ROOT, "%nswarm up in %.1f s (%d JVMs; the trackers one Hazelcast cluster, the peers reporting to it). Dashboard: %s%n",
                    up, swarm.children().size(), swarm.dashboardUrl());
            out.println("torrent " + swarm.metainfo().infoHash().hex() + ", logs in " + work.resolve("logs")
                    + ". Ctrl-C stops everything.");
            out.println();
            watch(swarm, out, terminal, t0, up, stop);
        } catch (Exception e) {
            // After Ctrl-C an interrupted wait (or I/O) is the way out, not an error.
            if (stop.getCount() > 0) {
                throw e;
            }
        } finally {
            Thread.interrupted();
            out.println("stopping " + swarm.children().size() + " nodes...");
            long s0 = System.nanoTime();
            swarm.close();
            out.printf(Locale.ROOT, "stopped in %.1f s%s%n", seconds(s0),
                    keep ? "; data kept in " + work : "; removed " + work);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
        return 0;
    }

    /** Shows the swarm until Ctrl-C (or until the leechers are done, with --exit-when-done). */
    private void watch(DemoSwarm swarm, PrintStream out, boolean terminal, long t0, double up, CountDownLatch stop)
            throws InterruptedException {
        int drawn = 0;
        long lastPlain = 0;
        boolean done = false;
        while (stop.getCount() > 0) {
            for (DemoSwarm.Child c : swarm.children()) {
                if (!c.process().isAlive()) {
                    throw new IllegalStateException(c.name() + " exited with " + c.process().exitValue() + " (log: " + c.log() + ")");
                }
            }
            DemoSwarm.Status status = swarm.poll();
            if (status != null) {
                List<String> lines = render(status, seconds(t0));
                if (terminal) {
                    StringBuilder sb = new StringBuilder();
                    if (drawn > 0) {
                        sb.append("\033[").append(drawn).append('A');
                    }
                    for (String l : lines) {
                        sb.append("\033[2K").append(l).append('\n');
                    }
                    for (int i = lines.size(); i < drawn; i++) {
                        sb.append("\033[2K\n");
                    }
                    out.print(sb);
                    out.flush();
                    drawn = Math.max(drawn, lines.size());
                } else if (System.currentTimeMillis() - lastPlain >= PLAIN_STATUS_MILLIS) {
                    lastPlain = System.currentTimeMillis();
                    lines.forEach(out::println);
                }
                if (!done && status.leechersComplete(leechers)) {
                    done = true;
                    if (!terminal) {
                        lines.forEach(out::println);
                    }
                    drawn = 0;
                    out.printf(Locale.ROOT, "all %d leechers complete after %.1f s (%.1f s after the swarm was up)%n",
                            leechers, seconds(t0), seconds(t0) - up);
                    if (exitWhenDone) {
                        return;
                    }
                    out.println("still seeding; the dashboard stays up. Ctrl-C stops everything.");
                }
            }
            stop.await(REFRESH_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    static List<String> render(DemoSwarm.Status status, double elapsed) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "[%5.0f s] trackers up %d, cluster members %d, announces %d",
                elapsed, status.trackersUp(), status.clusterMembers(), status.announces()));
        for (DemoSwarm.NodeStatus n : status.nodes()) {
            if (n.tracker()) {
                lines.add(String.format(Locale.ROOT, "  %-10s tracker node", n.name()));
                continue;
            }
            int width = 30;
            int filled = (int) Math.round(n.progress() * width);
            lines.add(String.format(Locale.ROOT, "  %-10s [%s%s] %5.1f%%  down %10s/s  up %10s/s  peers %d%s",
                    n.name(), "#".repeat(filled), "-".repeat(width - filled), n.progress() * 100,
                    Sizes.human(n.down()), Sizes.human(n.up()), n.peers(), n.complete() ? "  done" : ""));
        }
        return lines;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
