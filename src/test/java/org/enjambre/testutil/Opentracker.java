package org.enjambre.testutil;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * Debian's opentracker on loopback for interop tests: HTTP and UDP (BEP 15) on one port number,
 * serving only the whitelisted info-hashes (Debian builds it with a whitelist). It chroots into
 * its folder and drops to user nobody, so the folder and the list stay world-readable.
 */
public final class Opentracker implements AutoCloseable {
    public final int port;
    private final Process process;
    private final Path dir;

    private Opentracker(int port, Process process, Path dir) {
        this.port = port;
        this.process = process;
        this.dir = dir;
    }

    /** Starts it (skips, or fails under REQUIRE_INTEROP=1, without the package) and waits until it listens. */
    public static Opentracker start(byte[]... whitelisted) throws Exception {
        Path executable = Interop.requireExecutable("opentracker", "opentracker");
        Path dir = Files.createTempDirectory("enjambre-opentracker");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path whitelist = dir.resolve("whitelist");
        StringBuilder list = new StringBuilder();
        for (byte[] hash : whitelisted) {
            list.append(HexFormat.of().formatHex(hash)).append('\n');
        }
        Files.writeString(whitelist, list);
        Files.setPosixFilePermissions(whitelist, PosixFilePermissions.fromString("rw-r--r--"));
        int port = FreePorts.next();
        Process process = new ProcessBuilder(executable.toString(), "-i", "127.0.0.1", "-p", String.valueOf(port),
                "-P", String.valueOf(port), "-d", dir.toString(), "-w", "whitelist")
                .redirectErrorStream(true).redirectOutput(dir.resolve("opentracker.log").toFile()).start();
        Opentracker tracker = new Opentracker(port, process, dir);
        try {
            tracker.awaitListening();
        } catch (Exception | AssertionError e) {
            tracker.close();
            throw e;
        }
        return tracker;
    }

    private void awaitListening() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("opentracker exited: " + Files.readString(dir.resolve("opentracker.log")));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("opentracker did not listen on " + port + " within 10 s");
    }

    public String httpUrl() {
        return "http://127.0.0.1:" + port + "/announce";
    }

    public String udpUrl() {
        return "udp://127.0.0.1:" + port + "/announce";
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
