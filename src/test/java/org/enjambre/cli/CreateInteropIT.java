package org.enjambre.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.metainfo.TorrentFile;
import org.enjambre.testutil.Interop;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Torrents made by {@code enjambre create} against real BitTorrent software, and theirs against
 * our parser: libtorrent (python3-libtorrent), transmission-show (transmission-cli), mktorrent.
 * Skipped when a tool is missing; failing instead under {@code REQUIRE_INTEROP=1}.
 */
class CreateInteropIT {
    /** The JVM running the tests (a JDK 25): the jar needs it, and Debian's default `java` is 17. */
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final int PIECE = 16 * 1024;
    private static final long PROCESS_TIMEOUT_SECONDS = 90;
    private static final String NON_ASCII = "ñandú-日本.bin";

    @TempDir
    Path dir;
    Path folder;

    /** A folder with nested folders, an empty file, a non-ASCII name and sizes that are not multiples of the piece length. */
    @BeforeEach
    void makeFolder() throws IOException {
        folder = dir.resolve("datos");
        Files.createDirectories(folder.resolve("sub/deeper"));
        Files.createDirectories(folder.resolve("z"));
        Random random = new Random(42);
        write(folder.resolve("sub/deeper/big.bin"), 100_001, random);
        write(folder.resolve("sub/empty.txt"), 0, random);
        write(folder.resolve(NON_ASCII), 50_000, random);
        write(folder.resolve("z/last.bin"), 33_333, random);
        write(folder.resolve("top.txt"), 7, random);
    }

    private static void write(Path p, int size, Random random) throws IOException {
        byte[] b = new byte[size];
        random.nextBytes(b);
        Files.write(p, b);
    }

    /** The output of a finished process. */
    record Run(int exitCode, String out, String err) {
    }

    private static Run run(Path workDir, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
        Map<String, String> env = pb.environment();
        // Non-ASCII file names need a UTF-8 locale in the JVM and in python.
        env.put("LC_ALL", "C.UTF-8");
        env.put("PYTHONIOENCODING", "utf-8");
        Path out = Files.createTempFile("interop", ".out");
        Path err = Files.createTempFile("interop", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        try {
            if (!p.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError(String.join(" ", command) + " did not finish within " + PROCESS_TIMEOUT_SECONDS + " s");
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static Run succeed(Path workDir, String... command) throws IOException, InterruptedException {
        Run r = run(workDir, command);
        assertThat(r.exitCode()).as("%s failed: %s%s", String.join(" ", command), r.out(), r.err()).isZero();
        return r;
    }

    private static String jar() {
        String jar = System.getProperty("enjambre.jar", "target/enjambre.jar");
        assertThat(Path.of(jar)).as("the packaged jar (run mvn verify)").exists();
        return Path.of(jar).toAbsolutePath().toString();
    }

    private static String script(String name) {
        try {
            return Path.of(CreateInteropIT.class.getResource("/interop/" + name).toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path enjambreCreate(String torrentName) throws Exception {
        Path torrent = dir.resolve(torrentName);
        Run r = succeed(dir, JAVA, "-jar", jar(), "create", folder.toString(), "-o", torrent.toString(),
                "--piece-size", String.valueOf(PIECE), "--tracker", "http://127.0.0.1:6969/announce");
        assertThat(r.out()).contains("info-hash: " + Metainfo.read(torrent).infoHash().hex());
        return torrent;
    }

    /** What libtorrent sees in a torrent; with {@code savePath}, also how many pieces of the data there it finds valid. */
    private JsonObject libtorrentView(Path torrent, Path savePath) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", script("lt_torrent_info.py"), torrent.toString()));
        if (savePath != null) {
            cmd.add(savePath.toString());
            cmd.add("60");
        }
        Run r = succeed(dir, cmd.toArray(String[]::new));
        return new JsonObject(r.out().strip());
    }

    private static List<String> ourFiles(Metainfo m) {
        List<String> out = new ArrayList<>();
        for (TorrentFile f : m.info().files()) {
            String path = m.info().multiFile() ? m.info().name() + "/" + f.joinedPath() : f.joinedPath();
            out.add(path + "=" + f.length());
        }
        return out;
    }

    private static List<String> libtorrentFiles(JsonObject view) {
        List<String> out = new ArrayList<>();
        JsonArray files = view.getJsonArray("files");
        for (int i = 0; i < files.size(); i++) {
            JsonObject f = files.getJsonObject(i);
            if (!f.getBoolean("pad")) {
                out.add(f.getString("path") + "=" + f.getLong("length"));
            }
        }
        return out;
    }

    @Test
    void enjambreTorrentLoadsInLibtorrentAndEveryPieceChecksValid() throws Exception {
        Interop.requireLibtorrent();
        Path torrent = enjambreCreate("datos.torrent");
        Metainfo ours = Metainfo.read(torrent);

        JsonObject lt = libtorrentView(torrent, dir);

        assertThat(lt.getString("infoHash")).isEqualTo(ours.infoHash().hex());
        assertThat(lt.getBoolean("hasV2")).isFalse();
        assertThat(lt.getInteger("pieces")).isEqualTo(ours.info().pieceCount()).isEqualTo((183_341 + PIECE - 1) / PIECE);
        assertThat(lt.getInteger("pieceLength")).isEqualTo(PIECE);
        assertThat(lt.getLong("length")).isEqualTo(183_341L);
        assertThat(libtorrentFiles(lt)).containsExactlyElementsOf(ourFiles(ours))
                .contains("datos/" + NON_ASCII + "=50000", "datos/sub/empty.txt=0", "datos/sub/deeper/big.bin=100001");
        assertThat(lt.getInteger("validPieces")).isEqualTo(ours.info().pieceCount());
        assertThat(lt.getBoolean("seeding")).isTrue();
    }

    @Test
    void libtorrentFindsTheOnePieceWhoseDataWasCorrupted() throws Exception {
        Interop.requireLibtorrent();
        Path torrent = enjambreCreate("datos.torrent");
        Metainfo ours = Metainfo.read(torrent);
        // One byte flipped in the middle of big.bin spoils exactly the piece that holds it.
        try (RandomAccessFile f = new RandomAccessFile(folder.resolve("sub/deeper/big.bin").toFile(), "rw")) {
            f.seek(50_000);
            int b = f.read();
            f.seek(50_000);
            f.write(b ^ 0xff);
        }
        JsonObject lt = libtorrentView(torrent, dir);
        assertThat(lt.getInteger("validPieces")).isEqualTo(ours.info().pieceCount() - 1);
        assertThat(lt.getBoolean("seeding")).isFalse();
    }

    @Test
    void transmissionShowReadsTheSameInfoHashAndFiles() throws Exception {
        Path show = Interop.requireExecutable("transmission-show", "transmission-cli");
        Path torrent = enjambreCreate("datos.torrent");
        Metainfo ours = Metainfo.read(torrent);
        Run r = succeed(dir, show.toString(), torrent.toString());
        Matcher hash = Pattern.compile("(?m)^\\s*Hash:\\s*([0-9a-f]{40})\\s*$").matcher(r.out());
        assertThat(hash.find()).as(r.out()).isTrue();
        assertThat(hash.group(1)).isEqualTo(ours.infoHash().hex());
        assertThat(r.out()).containsPattern("Piece Count:\\s*" + ours.info().pieceCount())
                .contains("datos/" + NON_ASCII, "datos/sub/empty.txt", "datos/sub/deeper/big.bin", "http://127.0.0.1:6969/announce");
    }

    @Test
    void mktorrentTorrentsParseWithTheInfoHashLibtorrentReports() throws Exception {
        Path mktorrent = Interop.requireExecutable("mktorrent", "mktorrent");
        Interop.requireLibtorrent();
        Path multi = dir.resolve("mk-folder.torrent");
        succeed(dir, mktorrent.toString(), "-l", "16", "-a", "http://127.0.0.1:6969/announce", "-c", "from mktorrent",
                "-o", multi.toString(), folder.toString());
        Path single = dir.resolve("mk-single.torrent");
        succeed(dir, mktorrent.toString(), "-l", "15", "-p", "-a", "http://127.0.0.1:6969/announce",
                "-o", single.toString(), folder.resolve(NON_ASCII).toString());

        for (Path torrent : List.of(multi, single)) {
            Metainfo ours = Metainfo.read(torrent);
            JsonObject lt = libtorrentView(torrent, null);
            assertThat(ours.infoHash().hex()).as(torrent.toString()).isEqualTo(lt.getString("infoHash"));
            assertThat(ours.info().pieceCount()).isEqualTo(lt.getInteger("pieces"));
            assertThat(ourFiles(ours)).containsExactlyElementsOf(libtorrentFiles(lt));
        }
        assertThat(Metainfo.read(multi).comment()).isEqualTo("from mktorrent");
        assertThat(Metainfo.read(single).info().isPrivate()).isTrue();
        assertThat(Metainfo.read(single).info().name()).isEqualTo(NON_ASCII);
    }

    @Test
    void libtorrentCreatedTorrentParsesWithTheSameInfoHash() throws Exception {
        Interop.requireLibtorrent();
        for (int pieceLength : new int[] {16 * 1024, 64 * 1024}) {
            Path torrent = dir.resolve("lt-" + pieceLength + ".torrent");
            Run r = succeed(dir, "/usr/bin/python3", script("lt_create_torrent.py"), folder.toString(), torrent.toString(),
                    String.valueOf(pieceLength));
            String libtorrentHash = r.out().strip();
            assertThat(libtorrentHash).matches("[0-9a-f]{40}");
            Metainfo ours = Metainfo.read(torrent);
            assertThat(ours.infoHash().hex()).isEqualTo(libtorrentHash);
            assertThat(ours.info().pieceLength()).isEqualTo(pieceLength);
            assertThat(ourFiles(ours)).containsExactlyElementsOf(libtorrentFiles(libtorrentView(torrent, null)));
            assertThat(ours.info().totalLength()).isEqualTo(183_341L);
        }
    }

    @Test
    void infoJsonOfTheJarAgreesWithLibtorrent() throws Exception {
        Interop.requireLibtorrent();
        Path torrent = enjambreCreate("datos.torrent");
        Run r = succeed(dir, JAVA, "-jar", jar(), "info", torrent.toString(), "--json");
        JsonObject info = new JsonObject(r.out().strip());
        JsonObject lt = libtorrentView(torrent, null);
        assertThat(info.getString("infoHash")).isEqualTo(lt.getString("infoHash"));
        assertThat(info.getInteger("pieces")).isEqualTo(lt.getInteger("pieces"));
        assertThat(info.getLong("length")).isEqualTo(lt.getLong("length"));
    }
}
