package org.enjambre.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.enjambre.bencode.BBytes;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.BList;
import org.enjambre.bencode.Bencode;
import org.enjambre.metainfo.Metainfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    @TempDir
    Path dir;

    /** What one in-process run of the CLI printed and returned. */
    record Result(int exitCode, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void nettysFlightRecorderEventsAreOffUnlessTheUserAsksForThem() {
        String before = System.getProperty(Main.NETTY_JFR_PROPERTY);
        try {
            System.clearProperty(Main.NETTY_JFR_PROPERTY);
            Main.withoutNettyFlightRecorderEvents();
            assertThat(System.getProperty(Main.NETTY_JFR_PROPERTY)).isEqualTo("false");

            System.setProperty(Main.NETTY_JFR_PROPERTY, "true"); // -Dio.netty.jfr.enabled=true on the command line
            Main.withoutNettyFlightRecorderEvents();
            assertThat(System.getProperty(Main.NETTY_JFR_PROPERTY)).isEqualTo("true");
        } finally {
            if (before == null) {
                System.clearProperty(Main.NETTY_JFR_PROPERTY);
            } else {
                System.setProperty(Main.NETTY_JFR_PROPERTY, before);
            }
        }
    }

    private Path album() throws Exception {
        Path root = dir.resolve("album");
        Files.createDirectories(root.resolve("sub/deeper"));
        byte[] data = new byte[70_000];
        new Random(1).nextBytes(data);
        Files.write(root.resolve("sub/deeper/a.bin"), data);
        Files.write(root.resolve("empty"), new byte[0]);
        Files.writeString(root.resolve("canción.txt"), "la la la");
        return root;
    }

    @Test
    void createWritesTheTorrentAndPrintsInfoHashAndMagnet() throws Exception {
        Path torrent = dir.resolve("album.torrent");
        Result r = run("create", album().toString(), "-o", torrent.toString(),
                "--tracker", "http://127.0.0.1:6969/announce", "--tracker", "http://127.0.0.1:6970/announce",
                "--piece-size", "16K", "--private", "--comment", "hola", "--name", "renamed");
        assertThat(r.exitCode()).as(r.err()).isZero();
        Metainfo m = Metainfo.read(torrent);
        assertThat(r.out()).contains("info-hash: " + m.infoHash().hex());
        assertThat(r.out()).contains("magnet: magnet:?xt=urn:btih:" + m.infoHash().hex() + "&dn=renamed&tr=http%3A%2F%2F127.0.0.1%3A6969");
        assertThat(m.info().name()).isEqualTo("renamed");
        assertThat(m.info().pieceLength()).isEqualTo(16384);
        assertThat(m.info().isPrivate()).isTrue();
        assertThat(m.comment()).isEqualTo("hola");
        assertThat(m.announce()).isEqualTo("http://127.0.0.1:6969/announce");
        assertThat(m.announceList()).containsExactly(List.of("http://127.0.0.1:6969/announce"), List.of("http://127.0.0.1:6970/announce"));
        assertThat(r.err()).isEmpty();
    }

    @Test
    void infoJsonIsOneObjectWithTheDocumentedFields() throws Exception {
        Path torrent = dir.resolve("album.torrent");
        assertThat(run("create", album().toString(), "-o", torrent.toString(), "-t", "http://127.0.0.1:1/announce").exitCode()).isZero();
        Result r = run("info", torrent.toString(), "--json");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out().strip().lines()).hasSize(1);
        JsonObject j = new JsonObject(r.out());
        Metainfo m = Metainfo.read(torrent);
        assertThat(j.getString("name")).isEqualTo("album");
        assertThat(j.getString("infoHash")).isEqualTo(m.infoHash().hex()).matches("[0-9a-f]{40}");
        assertThat(j.getInteger("pieceLength")).isEqualTo(16384);
        assertThat(j.getInteger("pieces")).isEqualTo(5); // 70,008 bytes in 16 KiB pieces
        assertThat(j.getLong("length")).isEqualTo(70_008L);
        assertThat(j.getJsonArray("files").stream().map(o -> ((JsonObject) o).getString("path") + "=" + ((JsonObject) o).getLong("length")))
                .containsExactly("canción.txt=8", "empty=0", "sub/deeper/a.bin=70000");
        assertThat(j.getJsonArray("trackers").getList()).containsExactly("http://127.0.0.1:1/announce");
        assertThat(j.getString("magnet")).startsWith("magnet:?xt=urn:btih:" + m.infoHash().hex());
    }

    @Test
    void infoTextShowsNameHashPiecesSizeFilesTrackersAndMagnet() throws Exception {
        Path torrent = dir.resolve("album.torrent");
        run("create", album().toString(), "-o", torrent.toString(), "-t", "http://127.0.0.1:1/announce");
        Result r = run("info", torrent.toString());
        Metainfo m = Metainfo.read(torrent);
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("name:          album", "info-hash:     " + m.infoHash().hex(),
                "piece length:  16384", "pieces:        5", "total size:    70008 bytes",
                "album/sub/deeper/a.bin", "album/canción.txt", "http://127.0.0.1:1/announce",
                "magnet:        magnet:?xt=urn:btih:" + m.infoHash().hex());
    }

    @Test
    void missingFileIsOneLineOnStderr() {
        Result r = run("info", dir.resolve("nope.torrent").toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(r.errLines()).containsExactly("enjambre info: no such file: " + dir.resolve("nope.torrent"));
        assertThat(r.out()).isEmpty();
    }

    @Test
    void missingSourceOfCreateIsOneLineOnStderr() {
        Result r = run("create", dir.resolve("nothing").toString(), "-o", dir.resolve("x.torrent").toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(r.errLines()).containsExactly("enjambre create: no such file: " + dir.resolve("nothing"));
        assertThat(dir.resolve("x.torrent")).doesNotExist();
    }

    @Test
    void malformedTorrentNamesTheByteOffsetWithoutStackTrace() throws Exception {
        Path bad = Files.write(dir.resolve("bad.torrent"), "d8:announce3:abc".getBytes());
        Result r = run("info", bad.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(r.errLines()).containsExactly("enjambre info: " + bad
                + ": malformed torrent: bencode error at byte 16: truncated dictionary");
    }

    @Test
    void unsafePathInTorrentIsOneClearLine() throws Exception {
        BDict info = BDict.builder().put("name", "x").put("piece length", 16384).put("pieces", new byte[20])
                .put("files", BList.of(BDict.builder().put("length", 1)
                        .put("path", BList.of(BBytes.of(".."), BBytes.of("evil"))).build())).build();
        Path bad = Files.write(dir.resolve("evil.torrent"), Bencode.encode(BDict.builder().put("info", info).build()));
        Result r = run("info", bad.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(r.errLines()).containsExactly("enjambre info: " + bad + ": unsafe path in files[0].path: path component \"..\"");
    }

    @Test
    void verboseAddsTheStackTrace() throws Exception {
        Path bad = Files.write(dir.resolve("bad.torrent"), "x".getBytes());
        Result r = run("info", bad.toString(), "--verbose");
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(r.errLines().get(0)).isEqualTo("enjambre info: " + bad + ": malformed torrent: bencode error at byte 0: unexpected byte 'x', expected a value");
        assertThat(r.err()).contains("at org.enjambre.metainfo.Metainfo.read");
    }

    @Test
    void existingOutputIsNotOverwrittenWithoutForce() throws Exception {
        Path torrent = Files.writeString(dir.resolve("keep.torrent"), "precious");
        Result r = run("create", album().toString(), "-o", torrent.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(r.errLines()).containsExactly("enjambre create: " + torrent + ": already exists (use --force to overwrite)");
        assertThat(Files.readString(torrent)).isEqualTo("precious");
        assertThat(run("create", album().toString(), "-o", torrent.toString(), "--force").exitCode()).isZero();
        assertThat(Metainfo.read(torrent).info().name()).isEqualTo("album");
    }

    @Test
    void badPieceSizeIsRefusedInOneLine() throws Exception {
        Result r = run("create", album().toString(), "-o", dir.resolve("x.torrent").toString(), "--piece-size", "100000");
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(r.errLines()).containsExactly("enjambre create: piece size must be a power of two from 16384 to 134217728 bytes, got 100000");
        Result usage = run("create", album().toString(), "-o", dir.resolve("x.torrent").toString(), "--piece-size", "lots");
        assertThat(usage.exitCode()).isEqualTo(Main.EXIT_USAGE);
        assertThat(usage.errLines()).hasSize(1);
        assertThat(usage.err()).contains("--piece-size", "lots", "enjambre create --help");
    }

    @Test
    void unknownOptionIsAUsageErrorInOneLine() {
        Result r = run("info", "x.torrent", "--frobnicate");
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_USAGE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("--frobnicate");
    }

    static final List<String> COMMANDS = List.of("create", "info", "seed", "download", "tracker", "node", "demo");

    @Test
    void helpIsAvailableOnEveryCommand() {
        for (String cmd : COMMANDS) {
            Result r = run(cmd, "--help");
            assertThat(r.exitCode()).isZero();
            assertThat(r.out()).contains("Usage: enjambre " + cmd);
            Result viaHelp = run("help", cmd);
            assertThat(viaHelp.exitCode()).as("help " + cmd).isZero();
            assertThat(viaHelp.out()).contains("Usage: enjambre " + cmd);
        }
        // The top-level usage lists every command, whatever a run with one command builds.
        for (String top : List.of("--help", "help")) {
            Result r = run(top);
            assertThat(r.exitCode()).isZero();
            assertThat(r.out()).contains(COMMANDS.stream().map(c -> "  " + c + " ").toArray(String[]::new));
        }
    }

    @Test
    void aMistypedCommandIsAUsageErrorInOneLine() {
        Result r = run("sede", "x.torrent");
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_USAGE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("sede", "enjambre --help");
    }

    @Test
    void sizesParseWithBinarySuffixes() {
        assertThat(Sizes.parse("262144")).isEqualTo(262144);
        assertThat(Sizes.parse("256K")).isEqualTo(262144);
        assertThat(Sizes.parse("1MiB")).isEqualTo(1 << 20);
        assertThat(Sizes.parse("2m")).isEqualTo(2 << 20);
        assertThat(Sizes.human(1536)).isEqualTo("1.5 KiB");
        assertThat(Sizes.human(1L << 30)).isEqualTo("1.0 GiB");
    }

    @Test
    void humanSizesReadExactlyAsStringFormatPrintsThem() {
        // Sizes.human rounds without java.util.Formatter; it must print what "%.1f"/"%.0f" would.
        Random random = new Random(7);
        List<Long> sizes = new java.util.ArrayList<>(List.of(0L, 1023L, 1024L, 1535L, 1536L, 1587L, 1588L, 102_348L,
                104_805L, 104_806L, 1L << 30, (1L << 30) - 1, 1_073_689_395L, 1_073_689_396L, Long.MAX_VALUE));
        for (int i = 0; i < 20_000; i++) {
            sizes.add(random.nextLong(1L << random.nextInt(1, 63)));
        }
        for (int k = 1; k < 5; k++) { // values just either side of every x.x5 and x.5 boundary of a unit
            for (long tenths = 5; tenths < 10_240; tenths += 10) {
                long exact = (tenths << (10 * k)) / 10;
                sizes.add(exact - 1);
                sizes.add(exact);
                sizes.add(exact + 1);
            }
        }
        for (long bytes : sizes) {
            assertThat(Sizes.human(bytes)).as("%d bytes", bytes).isEqualTo(formatted(bytes));
        }
    }

    /** What Sizes.human printed with String.format (the reference it must keep matching). */
    private static String formatted(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double v = bytes;
        int steps = Math.min(Math.getExponent(v) / 10, 5); // the divisions by 1024 that bring v under 1024 (at most to PiB)
        v = Math.scalb(v, -10 * steps); // exact: a power of two
        String unit = List.of("KiB", "MiB", "GiB", "TiB", "PiB").get(steps - 1);
        return String.format(java.util.Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, unit);
    }

    @Test
    void createLeavesOnlyTheTorrentBesideItWhenItOverwrites() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Path torrent = Files.writeString(out.resolve("album.torrent"), "old");
        assertThat(run("create", album().toString(), "-o", torrent.toString(), "--force").exitCode()).isZero();
        assertThat(run("create", album().toString(), "-o", torrent.toString(), "--force").exitCode()).isZero();
        try (var listing = Files.list(out)) {
            assertThat(listing.map(p -> p.getFileName().toString()).toList()).containsExactly("album.torrent");
        }
        assertThat(Metainfo.read(torrent).info().name()).isEqualTo("album");
    }

    @Test
    void theTemporaryTorrentTakesTheNextNameWhenOneIsTaken() throws Exception {
        Path out = dir.resolve("x.torrent");
        Path taken = Files.writeString(dir.resolve(".x.torrent.t-0.part"), "someone else's");
        Path mine = CreateCommand.writeNew(out, new byte[] {2}, "t");
        assertThat(mine.getFileName().toString()).isEqualTo(".x.torrent.t-1.part");
        assertThat(Files.readAllBytes(mine)).containsExactly(2);
        assertThat(Files.readString(taken)).isEqualTo("someone else's");
        for (int i = 2; i < CreateCommand.MAX_TEMPORARY_NAMES; i++) {
            CreateCommand.writeNew(out, new byte[0], "t");
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CreateCommand.writeNew(out, new byte[0], "t"))
                .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
    }

    @Test
    void outputIntoAMissingFolderIsOneClearLine() throws Exception {
        Path out = dir.resolve("no/such/folder/x.torrent");
        Result r = run("create", album().toString(), "-o", out.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(r.errLines()).containsExactly("enjambre create: the output's folder does not exist: " + out.getParent());
    }
}
