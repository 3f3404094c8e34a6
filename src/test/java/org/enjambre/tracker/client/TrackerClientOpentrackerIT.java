package org.enjambre.tracker.client;

import org.enjambre.net.PeerAddress;
import org.enjambre.tracker.protocol.AnnounceEvent;
import org.enjambre.tracker.protocol.TrackerFailureException;

import io.vertx.core.Vertx;
import org.enjambre.testutil.FreePorts;
import org.enjambre.testutil.Interop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.enjambre.tracker.client.RecordingTracker.await;

/**
 * Interop: our tracker client against Debian's opentracker on loopback. Two clients of one
 * torrent find each other through it; completed and stopped change what it tells the other;
 * a torrent outside its whitelist comes back as a clear refusal.
 */
class TrackerClientOpentrackerIT {
    static final byte[] INFO_HASH = org.enjambre.tracker.protocol.AnnounceCodecTest.range(0x40, 20);

    private Vertx vertx;
    private Process opentracker;
    private Path dir;
    private int port;
    private final List<TrackerClient> clients = new ArrayList<>();

    @BeforeEach
    void startOpentracker() throws Exception {
        Path executable = Interop.requireExecutable("opentracker", "opentracker");
        dir = Files.createTempDirectory("enjambre-opentracker");
        // opentracker chroots into the folder and drops to user nobody: both must stay readable.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path whitelist = dir.resolve("whitelist");
        Files.writeString(whitelist, HexFormat.of().formatHex(INFO_HASH) + "\n");
        Files.setPosixFilePermissions(whitelist, PosixFilePermissions.fromString("rw-r--r--"));
        port = FreePorts.next();
        opentracker = new ProcessBuilder(executable.toString(), "-i", "127.0.0.1", "-p", String.valueOf(port),
                "-P", String.valueOf(port), "-d", dir.toString(), "-w", "whitelist")
                .redirectErrorStream(true).redirectOutput(dir.resolve("opentracker.log").toFile()).start();
        awaitListening(port);
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (TrackerClient c : clients) {
            await(c.close());
        }
        if (vertx != null) {
            await(vertx.close());
        }
        if (opentracker != null) {
            opentracker.destroy();
            if (!opentracker.waitFor(5, TimeUnit.SECONDS)) {
                opentracker.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private void awaitListening(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!opentracker.isAlive()) {
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

    private TrackerClient client(byte[] infoHash, String peerIdSuffix, int peerPort) {
        byte[] peerId = ("-EJ0001-" + peerIdSuffix).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        TrackerClient c = new TrackerClient(vertx, TrackerTiers.of("http://127.0.0.1:" + port + "/announce", null),
                infoHash, peerId, peerPort, TrackerClient.Options.defaults().withPolicy(AnnouncePolicy.allowingPrivate()));
        clients.add(c);
        return c;
    }

    @Test
    void twoClientsFindEachOtherAndCompletedAndStoppedAreHonoured() throws Exception {
        TrackerClient a = client(INFO_HASH, "aaaaaaaaaaaa", 40001);
        TrackerClient b = client(INFO_HASH, "bbbbbbbbbbbb", 40002);

        await(a.announce(AnnounceEvent.STARTED, 0, 0, 1000));
        AnnounceResult seenByB = await(b.announce(AnnounceEvent.STARTED, 0, 0, 1000));
        assertThat(seenByB.peers()).contains(new PeerAddress("127.0.0.1", 40001));
        assertThat(seenByB.response().incomplete()).hasValue(2);
        assertThat(seenByB.response().interval().toSeconds()).isPositive();

        await(a.announce(AnnounceEvent.COMPLETED, 0, 1000, 0));
        AnnounceResult afterCompleted = await(b.announce(AnnounceEvent.NONE, 0, 0, 1000));
        assertThat(afterCompleted.response().complete()).hasValue(1);
        assertThat(afterCompleted.response().incomplete()).hasValue(1);

        await(a.announce(AnnounceEvent.STOPPED, 0, 1000, 0));
        AnnounceResult afterStopped = await(b.announce(AnnounceEvent.NONE, 0, 0, 1000));
        assertThat(afterStopped.peers()).doesNotContain(new PeerAddress("127.0.0.1", 40001));
        assertThat(afterStopped.response().complete()).hasValue(0);
    }

    @Test
    void aTorrentOutsideTheWhitelistIsAClearRefusal() {
        TrackerClient c = client(org.enjambre.tracker.protocol.AnnounceCodecTest.range(0x80, 20), "cccccccccccc", 40003);
        assertThatThrownBy(() -> await(c.announce(AnnounceEvent.STARTED, 0, 0, 1000)))
                .cause().isInstanceOf(AllTrackersFailedException.class)
                .satisfies(e -> assertThat(((AllTrackersFailedException) e).failures().values())
                        .singleElement().isInstanceOf(TrackerFailureException.class))
                .hasMessageContaining("not authorized");
    }
}
