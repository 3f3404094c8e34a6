package org.enjambre.cli.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM options of each node the demo starts: the options every node shares, then the AOT cache
 * of the node's role. A tracker node (a Hazelcast member parsing cluster.xml, the clustered event
 * bus, the report bridge) and a peer node (download, upload, report client) load different
 * classes, and a cache trained on a lone node missed 900-1,500 of each one's (measured with
 * {@code -Xlog:class+load}): {@code scripts/aot-train.sh demo} trains one cache per role by running
 * a small demo whose tracker-1 and leecher-1 write them ({@link #training}).
 *
 * @param common       options of every node (heap, collector, compiler)
 * @param trackerCache AOT cache of the tracker nodes, or null
 * @param peerCache    AOT cache of the seeder and leechers, or null
 * @param trainTo      when training: the file prefix tracker-1 and leecher-1 write their caches to
 *                     ({@code PREFIX-tracker.aot}, {@code PREFIX-peer.aot}); null otherwise
 */
public record NodeJvm(List<String> common, Path trackerCache, Path peerCache, Path trainTo) {
    /** The JVM says nothing about a cache it cannot use (another jar, other flags): it would go to the node's log. */
    static final List<String> QUIET = List.of("-Xlog:aot*=off", "-Xlog:cds*=off");

    public NodeJvm {
        common = List.copyOf(common);
    }

    /** Only the common options, no cache. */
    public static NodeJvm of(List<String> common) {
        return new NodeJvm(common, null, null, null);
    }

    /** Nodes with these caches, each used only if its file is there. */
    public static NodeJvm withCaches(List<String> common, Path trackerCache, Path peerCache) {
        return new NodeJvm(common, present(trackerCache), present(peerCache), null);
    }

    /** A training run: tracker-1 and leecher-1 write the role caches to {@code PREFIX-tracker.aot} and {@code PREFIX-peer.aot}. */
    public static NodeJvm training(List<String> common, Path prefix) {
        return new NodeJvm(common, null, null, prefix);
    }

    /** The training output of a role's cache under {@code prefix}. */
    public static Path trainedCache(Path prefix, String role) {
        return Path.of(prefix + "-" + role + ".aot");
    }

    /** The options of node {@code name} in {@code role} ("tracker", "seeder" or "leecher"). */
    public List<String> forNode(String name, String role) {
        List<String> options = new ArrayList<>(common);
        boolean tracker = role.equals("tracker");
        if (trainTo != null) {
            if (name.equals("tracker-1") || name.equals("leecher-1")) {
                options.add("-XX:AOTCacheOutput=" + trainedCache(trainTo, tracker ? "tracker" : "peer"));
            }
            return options;
        }
        Path cache = tracker ? trackerCache : peerCache;
        if (cache != null) {
            options.add("-XX:AOTCache=" + cache);
            options.addAll(QUIET);
        }
        return options;
    }

    /**
     * What runs a node's JVM: the peers at a lower CPU priority ({@code nice -n 5}, where there is a
     * {@code nice}), so that on a machine with few cores the trackers, the last ones ready, get the
     * CPU first while every node starts at once. Nothing when training (the caches need the same start).
     */
    public List<String> launcher(String role) {
        if (role.equals("tracker") || trainTo != null || !Files.isExecutable(NICE)) {
            return List.of();
        }
        return List.of(NICE.toString(), "-n", "5");
    }

    private static final Path NICE = Path.of("/usr/bin/nice");

    /**
     * How long a node may take to stop: a training node writes its cache as it exits (a minute
     * and more on a busy machine), which the demo must wait for rather than kill.
     */
    public java.time.Duration stopTimeout() {
        return trainTo != null ? java.time.Duration.ofMinutes(3) : DemoSwarm.NODE_STOP_TIMEOUT;
    }

    private static Path present(Path cache) {
        return cache != null && Files.isRegularFile(cache) ? cache : null;
    }
}
