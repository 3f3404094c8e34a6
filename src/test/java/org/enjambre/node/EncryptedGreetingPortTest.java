package org.enjambre.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.storage.TorrentStorage;
import org.enjambre.swarm.EngineOptions;
import org.enjambre.swarm.StoragePieceStore;
import org.enjambre.swarm.TestTorrents;
import org.enjambre.testutil.LoopbackSockets;
import org.enjambre.wire.EncryptedGreeting;
import org.enjambre.wire.Handshake;
import org.enjambre.wire.MseInitiator;
import org.enjambre.wire.PeerId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The peer port answers a peer that opens with the encrypted greeting (Message Stream Encryption,
 * libtorrent's first try) with plaintext chosen, then the ordinary handshake; a greeting for a
 * torrent it does not host is closed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EncryptedGreetingPortTest {
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
        PeerPortSlotsTest.await(vertx.close());
    }

    private Metainfo seeding(PeerVerticle node) throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/film.bin"), 512 * 1024 + 3, 9);
        Metainfo metainfo = TestTorrents.create(content, 64 * 1024, dir.resolve("film.torrent"), null);
        PeerPortSlotsTest.await(node.addTorrent(metainfo,
                new StoragePieceStore(TorrentStorage.open(metainfo.info(), dir.resolve("seed")), false),
                EngineOptions.defaults()));
        return metainfo;
    }

    private PeerVerticle node() throws Exception {
        PeerVerticle v = new PeerVerticle("127.0.0.1", 0);
        PeerPortSlotsTest.await(vertx.deployVerticle(v));
        return v;
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

    @Test
    void aPeerOpeningWithTheEncryptedGreetingGetsPlaintextAndTheSeedersHandshake() throws Exception {
        PeerVerticle node = node();
        Metainfo metainfo = seeding(node);
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
        PeerVerticle node = node();
        seeding(node);
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
