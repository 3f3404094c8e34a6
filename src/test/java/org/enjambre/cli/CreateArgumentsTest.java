package org.enjambre.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The create line read without picocli means exactly what picocli reads in it, and the rest is left to picocli. */
class CreateArgumentsTest {
    @TempDir
    Path dir;

    /** Words create lines are made of: options, values, and the forms the quick reader must leave to picocli. */
    private static final List<String> WORDS = List.of(
            "a.bin", "folder/b", "x y", "", "-o", "--output", "out.torrent", "--output=o2.torrent", "-o=o3.torrent",
            "-t", "--tracker", "http://t.example/announce", "--tracker=udp://u.example:80", "--piece-size", "1M", "256K",
            "16KiB", "lots", "100000", "--piece-size=16K", "--private", "--private=true", "--comment", "hi there",
            "--comment=", "--name", "n", "--web-seed", "http://w.example/", "--no-date", "--threads", "2", "0", "010",
            "+3", "-1", "99999999999", "-f", "--force", "--verbose", "-h", "--help", "-V", "--version", "-fo", "--",
            "@args", "--unknown", "-x", "--threads=4", "--name=m", "--web-seed=http://v.example/");

    @Test
    void everyLineReadWithoutPicocliMeansTheSameToPicocli() {
        Random random = new Random(15);
        int readQuickly = 0;
        for (int n = 0; n < 3000; n++) {
            String[] line = new String[random.nextInt(9)];
            for (int i = 0; i < line.length; i++) {
                line[i] = WORDS.get(random.nextInt(WORDS.size()));
            }
            // Most random lines are nonsense: give half of them the two things every create line has.
            if (random.nextBoolean()) {
                List<String> sure = new ArrayList<>(Arrays.asList(line));
                sure.add(random.nextInt(sure.size() + 1), "data.bin");
                sure.add(random.nextInt(sure.size() + 1), "-o");
                sure.add(sure.indexOf("-o") + 1, "d.torrent");
                line = sure.toArray(String[]::new);
            }
            CreateCommand quick = CreateArguments.parse(line);
            if (quick == null) {
                continue;
            }
            readQuickly++;
            CreateCommand reference = new CreateCommand();
            CommandLine picocli = new CommandLine(reference);
            CommandLine.ParseResult parsed = picocli.parseArgs(line); // throws if picocli refuses what was read quickly
            assertThat(parsed.isUsageHelpRequested() || parsed.isVersionHelpRequested()).as(Arrays.toString(line)).isFalse();
            assertThat(settings(quick)).as(Arrays.toString(line)).isEqualTo(settings(reference));
        }
        assertThat(readQuickly).as("lines read without picocli").isGreaterThan(200);
    }

    @Test
    void theUsualLinesAreReadWithoutPicocli() {
        CreateCommand bench = CreateArguments.parse(new String[] {"data.bin", "-o", "e.torrent", "--force", "--piece-size", "1M",
                "--no-date", "--threads", "2", "-t", "http://127.0.0.1:6969/announce"});
        assertThat(bench).isNotNull();
        assertThat(bench.pieceSize).isEqualTo(1L << 20);
        assertThat(bench.threads).isEqualTo(2);
        assertThat(bench.trackers).containsExactly("http://127.0.0.1:6969/announce");
        assertThat(CreateArguments.parse(new String[] {"album", "--output=a.torrent", "-t", "http://a/1", "--tracker", "http://b/2",
                "--web-seed", "http://w/", "--private", "--comment", "", "--name", "n", "--verbose"})).isNotNull();
    }

    @Test
    void helpVersionAndMistakesAreLeftToPicocli() {
        for (String[] line : List.of(
                new String[] {}, new String[] {"--help"}, new String[] {"a", "-o", "b", "-h"}, new String[] {"-V"},
                new String[] {"a"}, new String[] {"-o", "b"}, new String[] {"a", "c", "-o", "b"},
                new String[] {"a", "-o", "b", "--force", "--force"}, new String[] {"a", "-o", "b", "-o", "c"},
                new String[] {"a", "-o"}, new String[] {"a", "-o", "--force"}, new String[] {"a", "-o", "b", "--piece-size", "lots"},
                new String[] {"a", "-o", "b", "--threads", "-1"}, new String[] {"a", "-o", "b", "--threads", "010"},
                new String[] {"a", "-fo", "b"}, new String[] {"a", "-o=b"}, new String[] {"@args"}, new String[] {"--", "a", "-o", "b"},
                new String[] {"a", "-o", "b", "--private=true"}, new String[] {"a", "-o", "b", "--colour"})) {
            assertThat(CreateArguments.parse(line)).as(Arrays.toString(line)).isNull();
        }
    }

    @Test
    void aCreateRunPrintsTheSameWithAndWithoutPicocli() throws Exception {
        Path data = Files.write(dir.resolve("data.bin"), new byte[100_000]);
        Path quickTorrent = dir.resolve("quick.torrent");
        Path picocliTorrent = dir.resolve("picocli.torrent");
        String[] ok = {"create", data.toString(), "-o", "OUT", "--no-date", "--piece-size", "16K", "-t", "http://t.example/a"};
        Output quick = viaMain(with(ok, quickTorrent));
        Output reference = viaPicocli(with(ok, picocliTorrent));
        assertThat(quick.code()).isZero();
        assertThat(quick.out().replace(quickTorrent.toString(), "OUT")).isEqualTo(reference.out().replace(picocliTorrent.toString(), "OUT"));
        assertThat(Files.readAllBytes(quickTorrent)).isEqualTo(Files.readAllBytes(picocliTorrent));

        for (String[] failing : List.of(
                new String[] {"create", dir.resolve("absent").toString(), "-o", quickTorrent.toString()},
                new String[] {"create", data.toString(), "-o", quickTorrent.toString()},
                new String[] {"create", data.toString(), "-o", quickTorrent.toString(), "--force", "--piece-size", "1000"},
                new String[] {"create", data.toString(), "-o", quickTorrent.toString(), "--force", "--threads", "0"},
                new String[] {"create", data.toString(), "-o", dir.resolve("no/such/folder.torrent").toString()})) {
            assertThat(CreateArguments.parse(Arrays.copyOfRange(failing, 1, failing.length))).isNotNull();
            Output q = viaMain(failing);
            assertThat(q.code()).isEqualTo(Main.EXIT_FAILURE);
            assertThat(q).as(Arrays.toString(failing)).isEqualTo(viaPicocli(failing));
        }
        // --verbose: the same first line, then a stack trace (whose frames differ by the way in).
        String[] verbose = {"create", dir.resolve("absent").toString(), "-o", quickTorrent.toString(), "--verbose"};
        Output q = viaMain(verbose);
        Output p = viaPicocli(verbose);
        assertThat(q.code()).isEqualTo(p.code());
        assertThat(q.err().lines().limit(2).toList()).isEqualTo(p.err().lines().limit(2).toList()).hasSize(2);
    }

    private record Output(int code, String out, String err) {
    }

    private static String[] with(String[] line, Path output) {
        return Arrays.stream(line).map(w -> w.equals("OUT") ? output.toString() : w).toArray(String[]::new);
    }

    private static Output viaMain(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Output(code, out.toString(), err.toString());
    }

    private static Output viaPicocli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Output(code, out.toString(), err.toString());
    }

    private static List<Object> settings(CreateCommand c) {
        return Arrays.asList(c.path, c.output, List.copyOf(c.trackers), c.pieceSize, c.isPrivate, c.comment, c.name,
                List.copyOf(c.webSeeds), c.noDate, c.threads, c.force, c.verbose.verbose);
    }
}
