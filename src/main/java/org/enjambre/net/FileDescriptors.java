package org.enjambre.net;

import java.lang.management.ManagementFactory;

/**
 * How many file descriptors this process may hold: every socket is one, so connection caps are
 * sized from it rather than guessed.
 */
public final class FileDescriptors {
    /** Assumed when the platform does not say (Linux's usual soft limit). */
    public static final long UNKNOWN_LIMIT = 1024;

    private FileDescriptors() {
    }

    /**
     * The soft limit ({@code ulimit -n}) as the JVM sees it (on Linux the JVM raises it to the hard
     * limit at start-up unless {@code -XX:-MaxFDLimit}), or {@link #UNKNOWN_LIMIT}.
     */
    public static long softLimit() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            long max = unix.getMaxFileDescriptorCount();
            if (max > 0) {
                return max;
            }
        }
        return UNKNOWN_LIMIT;
    }
}
