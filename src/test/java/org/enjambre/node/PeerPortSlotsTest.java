package org.enjambre.node;

import static org.enjambre.testutil.Futures.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.enjambre.wire.EncryptedGreeting;
import org.enjambre.wire.MseInitiator;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.net.HttpLimits;
import org.enjambre.storage.TorrentStorage;
import org.enjambre.swarm.EngineOptions;
import org.enjambre.swarm.PeerPortLimits;
import org.enjambre.swarm.StoragePieceStore;
import org.enjambre.swarm.TestTorrents;
import org.enjambre.swarm.TorrentEngine;
import org.enjambre.testutil.LoopbackSockets;
import org.enjambre.wire.Handshake;
import org.enjambre.wire.PeerId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The peer port under attack on loopback: one address holding many handshaken connections, and
 * sockets that never send a handshake. 127.0.0.2 stands for the attacker's address. Also its
 * encrypted greeting, answered with plaintext chosen.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PeerPortSlotsTest {
    static final String ATTACKER = "127.0.0.2";

    @TempDir
    Path dir;
    Vertx vertx;
    final LoopbackSockets sockets = new LoopbackSockets();

    @BeforeEach
    void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stopEverything() throws Exception {
        sockets.close();
        await(vertx.close());
    }

    PeerVerticle node(PeerPortLimits limits) throws Exception {
        PeerVerticle v = new PeerVerticle("127.0.0.1", 0);
        if (limits != null) {
            v.incomingLimits(limits);
        }
        await(vertx.deployVerticle(v));
        return v;
    }

    @Test
    void ninetyHandshakesFromOneAddressCannotStarveARealPeer() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/film.bin"), 2 * 1024 * 1024 + 5, 7);
        Metainfo metainfo = TestTorrents.create(content, 64 * 1024, dir.resolve("film.torrent"), null);
        PeerVerticle seedNode = node(null);
        TorrentEngine seed = await(seedNode.addTorrent(metainfo,
                new StoragePieceStore(TorrentStorage.open(metainfo.info(), dir.resolve("seed")), false),
                EngineOptions.defaults()));

        // 90 distinct peer ids from one address, each handshaking properly and then holding on.
        for (int i = 0; i < 90; i++) {
            Socket s = sockets.open(ATTACKER, seedNode.actualPort());
            s.getOutputStream().write(Handshake.ours(metainfo.infoHash().bytes(), PeerId.generate()).encode().getBytes());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (seedNode.incomingSlots().refusedPerAddress() + await(seed.peers()).size() < 90
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        int held = await(seed.peers()).size();
        assertThat(held).as("connections the attacker holds").isLessThanOrEqualTo(PeerPortLimits.DEFAULT_MAX_PER_ADDRESS);
        assertThat(seedNode.incomingSlots().refusedPerAddress()).isEqualTo(90 - held);

        PeerVerticle leechNode = node(null);
        TorrentEngine leech = await(leechNode.addTorrent(metainfo,
                new StoragePieceStore(TorrentStorage.open(metainfo.info(), dir.resolve("leech")), true),
                EngineOptions.defaults()));
        await(leech.connect("127.0.0.1", seedNode.actualPort()));
        leech.completion().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        PeerTransferTest.assertSameTree(content, dir.resolve("leech/film.bin"));
    }

    @Test
    void socketsThatNeverHandshakeAreClosedAfterTheTimeoutAndTheExcessIsRefusedAtOnce() throws Exception {
        PeerVerticle node = node(new PeerPortLimits(8, 100, Duration.ofSeconds(8)));
        List<Socket> silent = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            silent.add(sockets.open("127.0.0.1", node.actualPort()));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (node.incomingSlots().refusedHalfOpen() < 4 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        int refusedAtOnce = 0;
        for (Socket s : silent) {
            if (LoopbackSockets.closedWithin(s, 200)) {
                refusedAtOnce++;
            }
        }
        assertThat(refusedAtOnce).as("sockets past the half-open cap, closed before the timeout").isEqualTo(4);
        assertThat(node.incomingSlots().refusedHalfOpen()).isEqualTo(4);
        assertThat(node.incomingSlots().halfOpen()).isEqualTo(8);

        for (Socket s : silent) {
            // 8 s of timeout, with a margin for a loaded machine; far less than the 20 s it was.
            assertThat(LoopbackSockets.closedWithin(s, 12_000)).as("a silent socket is closed by the handshake timeout").isTrue();
        }
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (node.incomingSlots().halfOpen() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(node.incomingSlots().halfOpen()).as("slots given back when the sockets closed").isZero();
        assertThat(node.incomingSlots().held("127.0.0.1")).isZero();
    }

    @Test
    void capsAreSizedWellUnderTheFileDescriptorLimit() {
        PeerPortLimits small = PeerPortLimits.forFileDescriptors(1024);
        assertThat(small.maxHalfOpen()).isEqualTo(64);
        assertThat(small.maxPerAddress()).isLessThanOrEqualTo(small.maxHalfOpen());
        assertThat(PeerPortLimits.forFileDescriptors(100).maxHalfOpen()).isEqualTo(16);
        assertThat(PeerPortLimits.forFileDescriptors(1_000_000).maxHalfOpen()).isEqualTo(256);
        assertThat(PeerPortLimits.defaults().handshakeTimeout()).isLessThanOrEqualTo(Duration.ofSeconds(10));
        // Every listening port's half-open sockets together: a quarter of the descriptors at most,
        // the rest for files, established peers and the cluster.
        for (long fds : new long[] {1024, 4096, 65_536, 1_048_576}) {
            long sum = PeerPortLimits.forFileDescriptors(fds).maxHalfOpen() + HttpLimits.tracker(fds).maxHalfOpen()
                    + HttpLimits.web(fds).maxHalfOpen();
            assertThat(sum).as("half-open caps with %d descriptors", fds).isLessThanOrEqualTo(fds / 4);
        }
    }

    private Metainfo seedingSmallFile(PeerVerticle node) throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/film.bin"), 512 * 1024 + 3, 9);
        Metainfo metainfo = TestTorrents.create(content, 64 * 1024, dir.resolve("film.torrent"), null);
        await(node.addTorrent(metainfo,
                new StoragePieceStore(TorrentStorage.open(metainfo.info(), dir.resolve("seed")), false),
                EngineOptions.defaults()));
        return metainfo;
    }

    /** Reads until {@code enough} says the bytes so far suffice (bounded by the socket's timeout). */
    private static byte[] readUntil(InputStream in, java.util.function.Predicate<byte[]> enough) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] chunk = new byte[4096];
        while (!enough.test(got.toByteArray())) {
            int n = in.read(chunk);
            if (n < 0) {
                throw new IOException("closed after " + got.size() + " bytes");
            }
            got.write(chunk, 0, n);
        }
        return got.toByteArray();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The peer port answers a peer that opens with the encrypted greeting (Message Stream Encryption,
     * libtorrent's first try) with plaintext chosen, then the ordinary handshake.
     */
    @Test
    void aPeerOpeningWithTheEncryptedGreetingGetsPlaintextAndTheSeedersHandshake() throws Exception {
        PeerVerticle node = node(null);
        Metainfo metainfo = seedingSmallFile(node);
        byte[] infoHash = metainfo.infoHash().bytes();
        try (Socket s = sockets.open("127.0.0.1", node.actualPort())) {
            s.setSoTimeout(10_000);
            MseInitiator a = new MseInitiator(100);
            s.getOutputStream().write(a.first());
            byte[] key = readUntil(s.getInputStream(), b -> b.length >= EncryptedGreeting.KEY_LENGTH);
            byte[] ours = Handshake.ours(infoHash, PeerId.generate()).encode().getBytes();
            s.getOutputStream().write(a.third(key, infoHash, 0x03, ours, new byte[0]));
            byte[] vc = a.encryptedVerificationConstant();
            // After the key: PadB, then the encrypted answer (14 bytes), then the handshake in the clear.
            byte[] rest = readUntil(s.getInputStream(), b -> {
                int at = indexOf(b, vc);
                return at >= 0 && b.length >= at + 14 + Handshake.LENGTH;
            });
            int at = indexOf(rest, vc);
            byte[] answer = a.decrypt(Arrays.copyOfRange(rest, at, at + 14));
            assertThat(answer[11]).as("crypto_select: plaintext").isEqualTo((byte) 1);
            Handshake theirs = Handshake.decode(Buffer.buffer(Arrays.copyOfRange(rest, at + 14, at + 14 + Handshake.LENGTH)), 0);
            assertThat(theirs.infoHash()).isEqualTo(infoHash);
        }
    }

    @Test
    void anEncryptedGreetingForATorrentNotHostedIsClosed() throws Exception {
        PeerVerticle node = node(null);
        seedingSmallFile(node);
        try (Socket s = sockets.open("127.0.0.1", node.actualPort())) {
            s.setSoTimeout(10_000);
            MseInitiator a = new MseInitiator(0);
            s.getOutputStream().write(a.first());
            byte[] key = readUntil(s.getInputStream(), b -> b.length >= EncryptedGreeting.KEY_LENGTH);
            byte[] elsewhere = "not-a-hosted-torrent".getBytes();
            s.getOutputStream().write(a.third(key, elsewhere, 0x03, new byte[0], new byte[0]));
            assertThat(LoopbackSockets.closedWithin(s, 5_000)).isTrue();
        }
    }
}
