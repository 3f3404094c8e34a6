package org.enjambre.cli;

/**
 * SIGINT and SIGTERM as a request to stop. A JVM shutdown hook would do the stopping too, but
 * the process would then exit 130/143; long-running commands stop cleanly and exit 0. The one
 * signal trap of every command (node, tracker, seed, download, demo).
 */
final class Signals {
    private Signals() {
    }

    @SuppressWarnings("removal")
    static void onStop(Runnable action) {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.run());
            } catch (IllegalArgumentException unsupported) {
                // Not on this platform: the default handler stays.
            }
        }
    }
}
