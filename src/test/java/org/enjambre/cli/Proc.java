package org.enjambre.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A child process for integration tests: stdout and stderr collected line by line, waits bounded
 * in time, and {@link #close()} kills it (only this PID) if it is still running.
 */
final class Proc implements AutoCloseable {
    final Process process;
    final List<String> out = new CopyOnWriteArrayList<>();
    final List<String> err = new CopyOnWriteArrayList<>();
    private final String name;

    private Proc(String name, Process process) {
        this.name = name;
        this.process = process;
        pump(process.getInputStream(), out);
        pump(process.getErrorStream(), err);
    }

    static Proc start(String name, Path workDir, List<String> command) throws IOException {
        return start(name, workDir, command, java.util.Map.of());
    }

    /** @param environment variables to set; an empty value removes the variable */
    static Proc start(String name, Path workDir, List<String> command, java.util.Map<String, String> environment)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
        pb.environment().put("ENJAMBRE_LOG_LEVEL", "INFO");
        // A node keeps its API token under the configuration folder: the test's, never the user's.
        pb.environment().put("XDG_CONFIG_HOME", workDir.toAbsolutePath().resolve("config").toString());
        pb.environment().remove("ENJAMBRE_API_TOKEN");
        environment.forEach((k, v) -> {
            if (v.isEmpty()) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        return new Proc(name, pb.start());
    }

    /** {@code java -jar target/enjambre.jar ARGS...} */
    static Proc enjambre(String name, Path workDir, String... args) throws IOException {
        return enjambre(name, workDir, java.util.Map.of(), args);
    }

    /** {@code java -jar target/enjambre.jar ARGS...} with these environment changes ({@link #start(String, Path, List, java.util.Map)}). */
    static Proc enjambre(String name, Path workDir, java.util.Map<String, String> environment, String... args) throws IOException {
        return enjambre(name, workDir, List.of(), environment, args);
    }

    /**
     * A JVM option for {@code download}: its status line (with {@code pieces V/N}) every 100 ms instead
     * of every 5 s, so that a test sees the verified pieces go up ({@link #awaitVerified}).
     */
    static final String FREQUENT_STATUS = "-Denjambre.statusMillis=100";

    /** {@code java JVM_OPTIONS... -jar target/enjambre.jar ARGS...} */
    static Proc enjambre(String name, Path workDir, List<String> jvmOptions, String... args) throws IOException {
        return enjambre(name, workDir, jvmOptions, java.util.Map.of(), args);
    }

    private static Proc enjambre(String name, Path workDir, List<String> jvmOptions,
                                 java.util.Map<String, String> environment, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m"));
        command.addAll(jvmOptions);
        command.addAll(JavaOptions.REQUIRED);
        command.addAll(List.of("-jar", jar()));
        command.addAll(List.of(args));
        return start(name, workDir, command, environment);
    }

    static String jar() {
        String jar = System.getProperty("enjambre.jar", "target/enjambre.jar");
        return Path.of(jar).toAbsolutePath().toString();
    }

    private static void pump(java.io.InputStream in, List<String> into) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    into.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        t.setDaemon(true);
        t.start();
    }

    /** Waits for a stdout line matching {@code regex} and returns its first group (or the line). */
    String awaitLine(String regex, long seconds) throws InterruptedException {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            for (String line : out) {
                Matcher m = p.matcher(line);
                if (m.find()) {
                    return m.groupCount() > 0 ? m.group(1) : line;
                }
            }
            if (!process.isAlive() && out.stream().noneMatch(l -> p.matcher(l).find())) {
                Thread.sleep(100);
                for (String line : out) {
                    Matcher m = p.matcher(line);
                    if (m.find()) {
                        return m.groupCount() > 0 ? m.group(1) : line;
                    }
                }
                throw new AssertionError(name + " exited (" + process.exitValue() + ") before printing /" + regex
                        + "/\nstdout: " + out + "\nstderr: " + tail(err));
            }
            Thread.sleep(50);
        }
        throw new AssertionError(name + " did not print /" + regex + "/ within " + seconds + " s\nstdout: " + tail(out)
                + "\nstderr: " + tail(err));
    }

    /** A download's status line: {@code ... pieces V/N} with V the pieces verified so far. */
    private static final Pattern STATUS_PIECES = Pattern.compile("\\bpieces (\\d+)/\\d+");

    /** The highest piece count a status line of this download showed: a lower bound of what is verified on disk. */
    int lastVerified() {
        int best = 0;
        for (String line : out) {
            Matcher m = STATUS_PIECES.matcher(line);
            if (m.find()) {
                best = Math.max(best, Integer.parseInt(m.group(1)));
            }
        }
        return best;
    }

    /**
     * Waits until a status line shows at least {@code pieces} verified (start the download with
     * {@link #FREQUENT_STATUS} to see them soon); fails if the process ends first or the time passes.
     */
    void awaitVerified(int pieces, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (lastVerified() < pieces) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited (" + process.exitValue() + ") with " + lastVerified()
                        + " pieces verified, before " + pieces + "\nstdout: " + tail(out) + "\nstderr: " + tail(err));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " did not verify " + pieces + " pieces within " + seconds + " s ("
                        + lastVerified() + ")\nstdout: " + tail(out) + "\nstderr: " + tail(err));
            }
            Thread.sleep(20);
        }
    }

    int listeningPort() throws InterruptedException {
        return Integer.parseInt(awaitLine("^listening on (\\d+)", 60));
    }

    /** Waits for the exit and returns its code; fails the test if it takes longer. */
    int awaitExit(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " still running after " + seconds + " s\nstdout: " + tail(out)
                    + "\nstderr: " + tail(err));
        }
        return process.exitValue();
    }

    /** SIGTERM (what {@code Process.destroy} sends on Linux). */
    void terminate() {
        process.destroy();
    }

    static List<String> tail(List<String> lines) {
        return lines.subList(Math.max(0, lines.size() - 15), lines.size());
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
