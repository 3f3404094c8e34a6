package org.enjambre.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.BInt;
import org.enjambre.bencode.Bencode;
import org.enjambre.testutil.FreePorts;
import org.enjambre.testutil.Interop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real BitTorrent clients that know nothing but our tracker's URL: a libtorrent seeder and an
 * aria2c leecher find each other through it and the file arrives byte-exact; transmission-cli
 * announces and shows up in scrape; over {@code udp://} (BEP 15) transmission-cli and libtorrent
 * find each other and the file arrives. Everything on loopback: announces from 127.0.0.1 register
 * 127.0.0.1, which is what these clients then dial.
 */
class TrackerInteropIT {
    static final int SIZE = 3 * 1024 * 1024 + 12345;

    @TempDir
    Path dir;
    TrackerProcess tracker;
    int udpPort;
    final List<Process> started = new ArrayList<>();

    @BeforeEach
    void startTracker() throws Exception {
        udpPort = FreePorts.next();
        tracker = TrackerProcess.start("tracker", dir, FreePorts.next(), "--interval", "10", "--udp-port", String.valueOf(udpPort));
        tracker.awaitListening(Duration.ofSeconds(60));
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
        tracker.stop(Duration.ofSeconds(20));
    }

    Process start(String name, List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile()).start();
        started.add(p);
        return p;
    }

    String log(String name) {
        try {
            return Files.readString(dir.resolve(name + ".log"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    Path script() throws IOException {
        Path s = dir.resolve("lt_tracker_peer.py");
        try (var in = getClass().getResourceAsStream("/tracker/lt_tracker_peer.py")) {
            Files.copy(in, s);
        }
        return s;
    }

    /** A random file in seed/, and its v1 torrent (made by libtorrent) announcing only to our tracker over HTTP. */
    String makeTorrent(Path script) throws Exception {
        return makeTorrent(script, tracker.announceUrl());
    }

    /** A random file in seed/, and its v1 torrent (made by libtorrent) announcing only to {@code url}. */
    String makeTorrent(Path script, String url) throws Exception {
        Path seedDir = Files.createDirectories(dir.resolve("seed"));
        byte[] data = new byte[SIZE];
        new Random(7).nextBytes(data);
        Files.write(seedDir.resolve("payload.bin"), data);
        Process make = start("make", List.of("/usr/bin/python3", script.toString(), "make",
                seedDir.resolve("payload.bin").toString(), url, dir.resolve("payload.torrent").toString()));
        assertThat(make.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(make.exitValue()).as(log("make")).isZero();
        String infoHash = log("make").trim();
        assertThat(infoHash).matches("[0-9a-f]{40}");
        return infoHash;
    }

    Process startSeeder(Path script) throws Exception {
        Process seeder = start("seeder", List.of("/usr/bin/python3", script.toString(), "seed",
                dir.resolve("payload.torrent").toString(), dir.resolve("seed").toString(), Integer.toString(FreePorts.next())));
        awaitLog("seeder", "seeding", Duration.ofSeconds(30));
        return seeder;
    }

    void awaitLog(String name, String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!log(name).contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " never printed '" + text + "':\n" + log(name));
            }
            Thread.sleep(100);
        }
    }

    /** complete/incomplete of one swarm, read through /scrape. */
    long[] scrape(String infoHash) throws Exception {
        HttpResponse<byte[]> r = tracker.get("/scrape?info_hash=" + TrackerClusterIT.urlBytes(HexFormat.of().parseHex(infoHash)), Duration.ofSeconds(5));
        BDict files = (BDict) ((BDict) Bencode.parse(r.body())).get("files");
        BDict s = (BDict) files.get(new String(HexFormat.of().parseHex(infoHash), StandardCharsets.ISO_8859_1));
        return new long[] {((BInt) s.get("complete")).value(), ((BInt) s.get("incomplete")).value(), ((BInt) s.get("downloaded")).value()};
    }

    JsonArray peers(String infoHash) throws Exception {
        HttpResponse<byte[]> r = tracker.get("/api/torrents/" + infoHash, Duration.ofSeconds(5));
        return r.statusCode() == 200 ? new JsonObject(new String(r.body(), StandardCharsets.UTF_8)).getJsonArray("peers") : new JsonArray();
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void libtorrentSeederAndAria2LeecherFindEachOtherThroughTheTracker() throws Exception {
        Interop.requireLibtorrent();
        Path aria2 = Interop.requireExecutable("aria2c", "aria2");
        Path script = script();
        String infoHash = makeTorrent(script);
        startSeeder(script);
        awaitSeeders(infoHash, 1, Duration.ofSeconds(30));

        Path out = Files.createDirectories(dir.resolve("aria2"));
        Process leecher = start("aria2", List.of(aria2.toString(), "--dir=" + out, "--enable-dht=false", "--enable-dht6=false",
                "--bt-enable-lpd=false", "--enable-peer-exchange=false", "--seed-time=0", "--summary-interval=0",
                "--listen-port=" + FreePorts.next(), "--console-log-level=warn", "--bt-stop-timeout=90",
                dir.resolve("payload.torrent").toString()));
        assertThat(leecher.waitFor(100, TimeUnit.SECONDS)).as("aria2c finished:\n" + log("aria2")).isTrue();
        assertThat(leecher.exitValue()).as(log("aria2")).isZero();
        assertThat(Files.mismatch(out.resolve("payload.bin"), dir.resolve("seed/payload.bin"))).isEqualTo(-1L);
    }

    /** The port transmission-cli listens on: the REST API lists no peer ids, so the port tells it apart. */
    private int transmissionPort;

    /** transmission-cli leeching payload.torrent into transmission/, on loopback only. */
    Path startTransmission(Path transmission) throws IOException {
        Path config = Files.createDirectories(dir.resolve("transmission-config"));
        // No DHT, LPD, uTP or port mapping: loopback only.
        Files.writeString(config.resolve("settings.json"), "{\"dht-enabled\": false, \"lpd-enabled\": false, \"utp-enabled\": false,"
                + " \"pex-enabled\": false, \"port-forwarding-enabled\": false, \"blocklist-enabled\": false}");
        Path out = Files.createDirectories(dir.resolve("transmission"));
        transmissionPort = FreePorts.next();
        start("transmission", List.of(transmission.toString(), "-g", config.toString(), "-w", out.toString(),
                "-p", Integer.toString(transmissionPort), "-M", dir.resolve("payload.torrent").toString()));
        return out;
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void transmissionAndLibtorrentFindEachOtherOverUdp() throws Exception {
        Path transmission = Interop.requireExecutable("transmission-cli", "transmission-cli");
        Interop.requireLibtorrent();
        Path script = script();
        String infoHash = makeTorrent(script, "udp://127.0.0.1:" + udpPort + "/announce");
        // transmission-cli ignores 127.x peers a tracker hands it but takes incoming connections: it
        // announces first, and the libtorrent seeder learns of it from the tracker's answer and dials it.
        Path out = startTransmission(transmission);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (scrape(infoHash)[1] < 1) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("transmission-cli never announced over UDP; its log:\n" + log("transmission"));
            }
            Thread.sleep(250);
        }
        startSeeder(script);
        awaitSeeders(infoHash, 1, Duration.ofSeconds(30));
        Path received = out.resolve("payload.bin");
        deadline = System.nanoTime() + Duration.ofSeconds(100).toNanos();
        while (!(Files.isRegularFile(received) && Files.mismatch(received, dir.resolve("seed/payload.bin")) == -1L)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("transmission-cli did not get the file from libtorrent; transmission:\n"
                        + log("transmission") + "\nseeder:\n" + log("seeder"));
            }
            Thread.sleep(250);
        }
        assertThat(log("seeder")).as("libtorrent's tracker replies").contains("tracker:");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void transmissionAnnouncesAndAppearsInScrape() throws Exception {
        Path transmission = Interop.requireExecutable("transmission-cli", "transmission-cli");
        Interop.requireLibtorrent();
        Path script = script();
        String infoHash = makeTorrent(script);
        startTransmission(transmission);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        boolean seen = false;
        while (!seen && System.nanoTime() < deadline) {
            long[] s = scrape(infoHash);
            JsonArray peers = peers(infoHash);
            for (int i = 0; i < peers.size(); i++) {
                // The REST API lists no peer ids: Transmission is the peer on its own port.
                seen |= peers.getJsonObject(i).getInteger("port") == transmissionPort && s[1] + s[0] >= 1;
            }
            if (!seen) {
                Thread.sleep(250);
            }
        }
        assertThat(seen).as("transmission-cli in the tracker's swarm; its log:\n" + log("transmission")).isTrue();
        assertThat(scrape(infoHash)[1]).as("transmission counted as a leecher in scrape").isEqualTo(1);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void torrentMadeThroughTheRestApiLoadsInLibtorrent() throws Exception {
        Interop.requireLibtorrent();
        String boundary = "----enjambre-interop";
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nalbum\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"trackers\"\r\n\r\n" + tracker.announceUrl() + "\r\n")
                .getBytes(StandardCharsets.UTF_8));
        byte[][] contents = {new byte[100_000], "tiny".getBytes(StandardCharsets.UTF_8), new byte[0]};
        new Random(3).nextBytes(contents[0]);
        String[] names = {"one.bin", "two.txt", "empty"};
        for (int i = 0; i < names.length; i++) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"" + names[i]
                    + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(contents[i]);
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<byte[]> r = TrackerProcess.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(tracker.base() + "/api/torrents"))
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        Path torrent = dir.resolve("album.torrent");
        Files.write(torrent, r.body());
        Process check = start("lt-load", List.of("/usr/bin/python3", "-c",
                "import sys, libtorrent as lt; t = lt.torrent_info(sys.argv[1]); fs = t.files();"
                        + " print(str(t.info_hash()), t.num_files(), t.total_size(), t.name(),"
                        + " ','.join(fs.file_path(i) for i in range(fs.num_files())))",
                torrent.toString()));
        assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(check.exitValue()).as(log("lt-load")).isZero();
        String expectedHash = r.headers().firstValue("X-Info-Hash").orElseThrow();
        assertThat(log("lt-load").trim()).isEqualTo(expectedHash + " 3 100004 album album/empty,album/one.bin,album/two.txt");
    }

    void awaitSeeders(String infoHash, int seeders, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (scrape(infoHash)[0] < seeders) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no seeder registered; seeder log:\n" + log("seeder"));
            }
            Thread.sleep(200);
        }
    }
}
