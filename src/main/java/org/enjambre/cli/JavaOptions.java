package org.enjambre.cli;

import java.nio.file.Files;
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

    /** The system property through which {@code ./enjambre demo} names the node AOT cache. */
    static final String NODE_AOT_CACHE_PROPERTY = "enjambre.aot.node";

    private JavaOptions() {
    }

    /**
     * {@link #REQUIRED} and {@link #EXIT_ON_OUT_OF_MEMORY}, then the AOT cache the launcher trained for nodes when it named one. A cache
     * the JVM cannot use (other flags, another jar) is skipped; the JVM's log about it stays off,
     * because it would go to the child's stdout.
     */
    static List<String> forNodes() {
        List<String> options = new ArrayList<>(REQUIRED);
        options.add(EXIT_ON_OUT_OF_MEMORY);
        String cache = System.getProperty(NODE_AOT_CACHE_PROPERTY);
        if (cache != null && Files.isRegularFile(Path.of(cache))) {
            options.addAll(List.of("-XX:AOTCache=" + cache, "-Xlog:aot*=off", "-Xlog:cds*=off"));
        }
        return options;
    }
}
