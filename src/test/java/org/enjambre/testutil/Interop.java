package org.enjambre.testutil;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Interop and browser tests need real software from Debian. Without it they skip with a clear
 * message; with {@code REQUIRE_INTEROP=1} (as {@code .ci/run} sets it) they fail instead.
 */
public final class Interop {
    private Interop() {
    }

    public static boolean required() {
        return "1".equals(System.getenv("REQUIRE_INTEROP"));
    }

    /** Skips (or fails under REQUIRE_INTEROP=1) unless {@code executable} is on the PATH or is a path that exists. */
    public static Path requireExecutable(String executable, String debianPackage) {
        Path found = which(executable);
        check(found != null, executable + " not found (Debian package " + debianPackage + ")");
        return found;
    }

    /** Skips (or fails) unless {@code /usr/bin/python3} can {@code import libtorrent}. */
    public static void requireLibtorrent() {
        boolean ok = false;
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import libtorrent")
                    .redirectErrorStream(true).start();
            ok = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
            if (!ok) {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            ok = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        check(ok, "python3 cannot import libtorrent (Debian package python3-libtorrent)");
    }

    /** Skips (or fails under REQUIRE_INTEROP=1) unless {@code available}; {@code what} says what is missing. */
    public static void require(boolean available, String what) {
        check(available, what);
    }

    private static void check(boolean available, String what) {
        if (!available && required()) {
            throw new AssertionError("REQUIRE_INTEROP=1 but " + what);
        }
        assumeTrue(available, "skipped: " + what + "; install it to run this interop test");
    }

    static Path which(String executable) {
        if (executable.contains("/")) {
            Path p = Path.of(executable);
            return Files.isExecutable(p) ? p : null;
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
            Path candidate = Path.of(dir, executable);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
