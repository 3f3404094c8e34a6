package org.enjambre.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM options of an Enjambre JVM that this JVM starts itself (the demo's nodes; the tests'
 * child processes), the same as {@code ./enjambre} gives ({@code scripts/find-java.sh}), so that
 * no JVM warning reaches the user from a child either.
 */
public final class JavaOptions {
    /**
     * Hazelcast (and Netty, given the choice) use {@code sun.misc.Unsafe}'s memory access, which
     * JDK 24+ reports on stderr unless allowed. Native access is granted by the jar's manifest.
     */
    public static final List<String> REQUIRED = List.of("--sun-misc-unsafe-memory-access=allow");

    /**
     * Long-running processes exit on an OutOfMemoryError (a supervisor restarts them) rather than
     * stay up with a stopped Hazelcast member; the launcher gives nodes the same.
     */
    public static final String EXIT_ON_OUT_OF_MEMORY = "-XX:+ExitOnOutOfMemoryError";

    /** The system properties through which {@code ./enjambre demo} names the AOT caches of its nodes, by role. */
    static final String TRACKER_AOT_CACHE_PROPERTY = "enjambre.aot.tracker";
    static final String PEER_AOT_CACHE_PROPERTY = "enjambre.aot.peer";
    /** Set by {@code scripts/aot-train.sh demo}: the file prefix the demo's nodes write their role caches to. */
    static final String TRAIN_AOT_PROPERTY = "enjambre.aot.train";

    private JavaOptions() {
    }

    /**
     * {@link #REQUIRED} and {@link #EXIT_ON_OUT_OF_MEMORY}, the options every node of the demo gets
     * before its role's AOT cache ({@link org.enjambre.cli.demo.NodeJvm}).
     */
    static List<String> forNodes() {
        List<String> options = new ArrayList<>(REQUIRED);
        options.add(EXIT_ON_OUT_OF_MEMORY);
        return options;
    }

    /** The demo's nodes' options: {@code common}, then the role caches the launcher named (or the training outputs). */
    static org.enjambre.cli.demo.NodeJvm demoNodes(List<String> common) {
        String train = System.getProperty(TRAIN_AOT_PROPERTY);
        if (train != null && !train.isBlank()) {
            return org.enjambre.cli.demo.NodeJvm.training(common, Path.of(train));
        }
        return org.enjambre.cli.demo.NodeJvm.withCaches(common, path(TRACKER_AOT_CACHE_PROPERTY), path(PEER_AOT_CACHE_PROPERTY));
    }

    private static Path path(String property) {
        String value = System.getProperty(property);
        return value == null || value.isBlank() ? null : Path.of(value);
    }
}
