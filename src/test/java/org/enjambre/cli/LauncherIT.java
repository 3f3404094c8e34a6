package org.enjambre.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The top-level {@code ./enjambre} launcher, run as a user would: from another directory. */
class LauncherIT {
    @TempDir
    Path elsewhere;

    private static Path launcher() {
        Path jar = Path.of(System.getProperty("enjambre.jar", "target/enjambre.jar")).toAbsolutePath();
        return jar.getParent().getParent().resolve("enjambre");
    }

    private record Run(int exitCode, String out, String err) {
    }

    private Run run(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(launcher().toString()));
        cmd.addAll(List.of(args));
        Path out = elsewhere.resolve("out.txt");
        Path err = elsewhere.resolve("err.txt");
        Process p = new ProcessBuilder(cmd).directory(elsewhere.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("launcher finished").isTrue();
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void runsTheJarQuietlyFromAnotherDirectory() throws Exception {
        assertThat(launcher()).isExecutable();
        Run r = run("--version");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).startsWith("enjambre ");
        // The jar was just packaged, so nothing is rebuilt and nothing is said.
        assertThat(r.err()).isEmpty();
    }

    @Test
    void createAndInfoWorkWithRelativePathsOfTheCallersDirectory() throws Exception {
        Files.write(elsewhere.resolve("file.bin"), new byte[300_000]);
        Run created = run("create", "file.bin", "-o", "file.torrent");
        assertThat(created.exitCode()).as(created.err()).isZero();
        assertThat(elsewhere.resolve("file.torrent")).exists();
        Run info = run("info", "file.torrent", "--json");
        assertThat(info.out()).contains("\"name\":\"file.bin\"", "\"length\":300000");
    }

    @Test
    void badInputIsOneLineOnStderrAndAFailingExitCode() throws Exception {
        Files.writeString(elsewhere.resolve("broken.torrent"), "d4:infod");
        Run r = run("info", "broken.torrent");
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines().toList()).containsExactly(
                "enjambre info: broken.torrent: malformed torrent: bencode error at byte 8: truncated dictionary");
    }
}
