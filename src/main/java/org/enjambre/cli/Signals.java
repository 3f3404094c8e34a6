package org.enjambre.cli;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * SIGINT and SIGTERM as a request to stop. A JVM shutdown hook would do the stopping too, but
 * the process would then exit 130/143; long-running commands stop cleanly and exit 0. The one
 * signal trap of every command (node, tracker, seed, download, demo).
 *
 * <p>A second signal while the first stop is under way ends the process at once, as a shell user
 * pressing Ctrl-C again expects: a clean stop waits for the trackers' answers to {@code stopped},
 * for Hazelcast to hand over the member's partitions, and, should an event loop hang, for each
 * step's timeout. Nothing is half-written by it: resume data, torrents and the DHT's state are
 * written to a temporary file and moved into place, so the last one saved stays whole.
 */
final class Signals {
    private Signals() {
    }

    @SuppressWarnings("removal")
    static void onStop(Runnable action) {
        sun.misc.SignalHandler handler = stopHandler(action, status -> Runtime.getRuntime().halt(status), System.err);
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), handler);
            } catch (IllegalArgumentException unsupported) {
                // Not on this platform: the default handler stays.
            }
        }
    }

    /**
     * The first signal runs {@code action}; any later one says so on {@code err} and calls
     * {@code halt} with the shell's status for death by that signal (128 + its number).
     */
    @SuppressWarnings("removal")
    static sun.misc.SignalHandler stopHandler(Runnable action, IntConsumer halt, PrintStream err) {
        AtomicInteger received = new AtomicInteger();
        return signal -> {
            if (received.getAndIncrement() == 0) {
                action.run();
                return;
            }
            err.println("enjambre: SIG" + signal.getName() + " again, stopping now without finishing the clean stop");
            err.flush();
            halt.accept(128 + signal.getNumber());
        };
    }
}
