package org.enjambre.node;

import static org.enjambre.testutil.Futures.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.net.PeerAddress;
import org.enjambre.net.PeerOrigin;
import org.enjambre.storage.TorrentStorage;
import org.enjambre.swarm.EngineOptions;
import org.enjambre.swarm.PeerExtensions;
import org.enjambre.swarm.PeerLink;
import org.enjambre.swarm.StoragePieceStore;
import org.enjambre.swarm.TestTorrents;
import org.enjambre.swarm.TorrentEngine;
import org.enjambre.testutil.NettyLeaks;
import org.enjambre.wire.Handshake;
import org.enjambre.wire.Message;
import org.enjambre.wire.MessageEncoder;
import org.enjambre.wire.PeerId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Seeds and leeches in one JVM, each its own {@link PeerVerticle} on loopback: real sockets, real files. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(NettyLeaks.class)
class PeerTransferTest {
    @TempDir
    Path dir;
    Vertx vertx;
    final List<PeerVerticle> verticles = new ArrayList<>();

    @BeforeEach
    void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stopVertx() throws Exception {
        await(vertx.close());
    }

    PeerVerticle node() throws Exception {
        PeerVerticle v = new PeerVerticle("127.0.0.1", 0);
        await(vertx.deployVerticle(v));
        verticles.add(v);
        return v;
    }

    TorrentEngine host(PeerVerticle node, Metainfo metainfo, Path data, boolean download, EngineOptions options)
            throws Exception {
        return await(node.addTorrent(metainfo, new StoragePieceStore(TorrentStorage.open(metainfo.info(), data), download),
                options));
    }

    static void assertSameTree(Path expected, Path actual) throws Exception {
        if (Files.isDirectory(expected)) {
            try (var walk = Files.walk(expected)) {
                for (Path p : walk.filter(Files::isRegularFile).toList()) {
                    Path other = actual.resolve(expected.relativize(p).toString());
                    assertThat(Files.mismatch(p, other)).as(other.toString()).isEqualTo(-1L);
                }
            }
        } else {
            assertThat(Files.mismatch(expected, actual)).isEqualTo(-1L);
        }
    }

    @Test
    void leecherGetsAByteExactCopyOfASingleFileFromOneSeed() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/movie.bin"), 5 * 1024 * 1024 + 777, 1);
        Metainfo metainfo = TestTorrents.create(content, 64 * 1024, dir.resolve("movie.torrent"), null);
        PeerVerticle seedNode = node();
        TorrentEngine seed = host(seedNode, metainfo, dir.resolve("seed"), false, EngineOptions.defaults());
        assertThat(seed.state().complete()).isTrue();

        TorrentEngine leech = host(node(), metainfo, dir.resolve("leech"), true, EngineOptions.defaults());
        assertThat(leech.state().verifiedCount()).isZero();
        await(leech.connect("127.0.0.1", seedNode.actualPort()));
        await(leech.completion());

        assertSameTree(content, dir.resolve("leech/movie.bin"));
        assertThat(leech.state().piecesVerified()).isEqualTo(metainfo.info().pieceCount());
        assertThat(leech.state().hashFailures()).isZero();
        assertThat(leech.state().downloaded()).isEqualTo(metainfo.info().totalLength());
        assertThat(seed.state().uploaded()).isEqualTo(metainfo.info().totalLength());
        assertThat(leech.state().requestsOutstanding()).isZero();
    }

    @Test
    void leecherGetsAByteExactCopyOfAMultiFileTorrentWithEmptyFilesAndNestedFolders() throws Exception {
        Path root = dir.resolve("seed/album");
        TestTorrents.randomFile(root.resolve("a/one.bin"), 100_000, 2);
        Files.createDirectories(root.resolve("b"));
        Files.write(root.resolve("b/empty.txt"), new byte[0]);
        TestTorrents.randomFile(root.resolve("b/c/two.bin"), 333_333, 3);
        TestTorrents.randomFile(root.resolve("three.bin"), 16_385, 4);
        Metainfo metainfo = TestTorrents.create(root, 32 * 1024, dir.resolve("album.torrent"), null);
        PeerVerticle seedNode = node();
        host(seedNode, metainfo, dir.resolve("seed"), false, EngineOptions.defaults());

        TorrentEngine leech = host(node(), metainfo, dir.resolve("leech"), true, EngineOptions.defaults());
        await(leech.connect("127.0.0.1", seedNode.actualPort()));
        await(leech.completion());

        assertSameTree(root, dir.resolve("leech/album"));
        assertThat(dir.resolve("leech/album/b/empty.txt")).exists().isEmptyFile();
    }

    @Test
    void oneSeedServesThreeLeechersAtOnce() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/data.bin"), 3 * 1024 * 1024 + 5, 5);
        Metainfo metainfo = TestTorrents.create(content, 32 * 1024, dir.resolve("data.torrent"), null);
        PeerVerticle seedNode = node();
        TorrentEngine seed = host(seedNode, metainfo, dir.resolve("seed"), false, EngineOptions.defaults());
        List<TorrentEngine> leeches = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            TorrentEngine leech = host(node(), metainfo, dir.resolve("leech" + i), true, EngineOptions.defaults());
            leeches.add(leech);
        }
        for (TorrentEngine leech : leeches) {
            await(leech.connect("127.0.0.1", seedNode.actualPort()));
        }
        for (int i = 0; i < 3; i++) {
            await(leeches.get(i).completion());
            assertSameTree(content, dir.resolve("leech" + i + "/data.bin"));
        }
        assertThat(seed.state().uploaded()).isGreaterThanOrEqualTo(metainfo.info().totalLength());
    }

    @Test
    void existingCompleteDataIsRecognisedAndNothingIsDownloaded() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/x.bin"), 300_000, 6);
        Metainfo metainfo = TestTorrents.create(content, 16 * 1024, dir.resolve("x.torrent"), null);
        TorrentEngine again = host(node(), metainfo, dir.resolve("seed"), true, EngineOptions.defaults());
        assertThat(again.completion().isComplete()).isTrue();
        assertThat(again.state().downloaded()).isZero();
    }

    /**
     * Reads the BEP 10 extended handshake that follows the seeder's handshake (our raw peers set the
     * BEP 10 bit), so that the next frame read is the bitfield.
     */
    static void skipExtendedHandshake(InputStream in) throws java.io.IOException {
        int length = ByteBuffer.wrap(in.readNBytes(4)).getInt();
        byte[] frame = in.readNBytes(length);
        assertThat(frame[0]).as("message id").isEqualTo((byte) Message.EXTENDED);
        assertThat(frame[1]).as("extended message id").isZero();
    }

    /** Opens a raw connection to {@code port}, handshakes for {@code metainfo}, sends {@code evil}. */
    /**
     * The handshake of a raw test peer that speaks BEP 3 and BEP 10 but not the fast extension: it reads
     * a bitfield, and a BEP 6 message from it is a protocol error.
     */
    static io.vertx.core.buffer.Buffer bep3Handshake(byte[] infoHash) {
        return Handshake.withBits(java.util.Set.of(org.enjambre.wire.ReservedBit.EXTENSION_PROTOCOL), infoHash,
                PeerId.generate()).encode();
    }

    static boolean closedAfter(int port, byte[] infoHash, byte[] evil) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(bep3Handshake(infoHash).getBytes());
            out.write(evil);
            out.flush();
            InputStream in = s.getInputStream();
            byte[] sink = new byte[65536];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                try {
                    if (in.read(sink) < 0) {
                        return true;
                    }
                } catch (java.net.SocketException reset) {
                    return true;
                }
            }
            return false;
        }
    }

    @Test
    void eachMalformedInputClosesOnlyThatConnection() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/y.bin"), 2 * 1024 * 1024, 7);
        Metainfo metainfo = TestTorrents.create(content, 32 * 1024, dir.resolve("y.torrent"), null);
        PeerVerticle seedNode = node();
        TorrentEngine seed = host(seedNode, metainfo, dir.resolve("seed"), false, EngineOptions.defaults());
        int port = seedNode.actualPort();
        byte[] infoHash = metainfo.infoHash().bytes();
        int pieces = metainfo.info().pieceCount();

        // A healthy leecher is connected the whole time and must complete.
        TorrentEngine leech = host(node(), metainfo, dir.resolve("leech"), true,
                EngineOptions.defaults().withRequestQueueDepth(2).withUploadRate(0));
        await(leech.connect("127.0.0.1", port));

        byte[][] evil = {
                {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff}, // frame far too long
                MessageEncoder.encode(new Message.Request(0, 0, 128 * 1024 + 1)).getBytes(),
                MessageEncoder.encode(new Message.Request(pieces, 0, 16384)).getBytes(),
                MessageEncoder.encode(new Message.Request(pieces - 1, 32 * 1024 - 100, 16384)).getBytes(),
                MessageEncoder.encode(new Message.Bitfield(new byte[pieces / 8 + 1])).getBytes(),
                MessageEncoder.encode(new Message.Have(pieces)).getBytes(),
                {0, 0, 0, 1, 42}, // unknown id
                {0, 0, 0, 1, 0x0e}, // BEP 6 have-all from a peer that did not set the fast bit
                {0, 0, 0, 2, 20, 0}, // extended while not negotiated? we advertise BEP 10, the raw peer too: length 2 is ok
        };
        for (int i = 0; i < evil.length - 1; i++) {
            assertThat(closedAfter(port, infoHash, evil[i])).as("evil input %d", i).isTrue();
        }
        // A handshake for a torrent the node does not have is closed too.
        assertThat(closedAfter(port, new byte[20], new byte[0])).isTrue();

        await(leech.completion());
        assertSameTree(content, dir.resolve("leech/y.bin"));
        assertThat(seed.state().peers()).isGreaterThanOrEqualTo(0);
    }

    /**
     * A verified piece is announced to every connected peer, also to one that nothing else is sent
     * to: its HAVE is queued for the next write to that peer and, when none comes, pushed on its own
     * soon after.
     */
    @Test
    void aPeerThatOnlyListensHearsOfEveryVerifiedPiece() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/h.bin"), 12 * 16 * 1024 + 5, 11);
        Metainfo metainfo = TestTorrents.create(content, 16 * 1024, dir.resolve("h.torrent"), null);
        int pieces = metainfo.info().pieceCount();
        PeerVerticle seedNode = node();
        host(seedNode, metainfo, dir.resolve("seed"), false, EngineOptions.defaults());
        PeerVerticle leechNode = node();
        TorrentEngine leech = host(leechNode, metainfo, dir.resolve("leech"), true, EngineOptions.defaults());
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), leechNode.actualPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(bep3Handshake(metainfo.infoHash().bytes()).getBytes());
            InputStream in = s.getInputStream();
            assertThat(in.readNBytes(68)[0]).isEqualTo((byte) 19);
            // The listener is counted before the download starts, so every piece is news to it.
            for (int i = 0; i < 100 && leech.state().peers() < 1; i++) {
                Thread.sleep(20);
            }
            assertThat(leech.state().peers()).isEqualTo(1);
            await(leech.connect("127.0.0.1", seedNode.actualPort()));
            BitSet heard = new BitSet();
            int haves = 0;
            for (int frames = 0; frames < 10 * pieces && heard.cardinality() < pieces; frames++) {
                int length = ByteBuffer.wrap(in.readNBytes(4)).getInt();
                byte[] frame = in.readNBytes(length);
                if (length == 5 && frame[0] == Message.HAVE) {
                    heard.set(ByteBuffer.wrap(frame, 1, 4).getInt());
                    haves++;
                }
            }
            assertThat(heard.cardinality()).isEqualTo(pieces);
            assertThat(haves).isEqualTo(pieces);
        }
        await(leech.completion());
    }

    @Test
    void silentPeerGetsKeepAlivesThenIsDropped() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/z.bin"), 100_000, 8);
        Metainfo metainfo = TestTorrents.create(content, 16 * 1024, dir.resolve("z.torrent"), null);
        PeerVerticle seedNode = node();
        TorrentEngine seed = host(seedNode, metainfo, dir.resolve("seed"), false,
                EngineOptions.defaults().withTimeouts(Duration.ofMillis(600), Duration.ofMillis(2500)));
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), seedNode.actualPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(bep3Handshake(metainfo.infoHash().bytes()).getBytes());
            InputStream in = s.getInputStream();
            byte[] handshake = in.readNBytes(68);
            assertThat(handshake[0]).isEqualTo((byte) 19);
            skipExtendedHandshake(in);
            byte[] header = in.readNBytes(5);
            int bitfieldLength = ByteBuffer.wrap(header).getInt();
            assertThat(header[4]).isEqualTo((byte) Message.BITFIELD);
            in.readNBytes(bitfieldLength - 1);
            long start = System.nanoTime();
            int keepAlives = 0;
            while (true) {
                byte[] frame = in.readNBytes(4);
                if (frame.length < 4) {
                    break;
                }
                assertThat(frame).containsExactly(0, 0, 0, 0);
                keepAlives++;
            }
            long seconds = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(keepAlives).isGreaterThanOrEqualTo(2);
            assertThat(seconds).isBetween(2000L, 6000L);
        }
        // The engine counts the peer gone on its event loop, maybe just after our read saw the close.
        for (int i = 0; i < 40 && seed.state().peers() != 0; i++) {
            Thread.sleep(50);
        }
        assertThat(seed.state().peers()).isZero();
    }

    @Test
    void seederStopsWritingToAPeerThatDoesNotReadAndResumesWhenItDoes() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/bp.bin"), 32L * 1024 * 1024, 9);
        Metainfo metainfo = TestTorrents.create(content, 256 * 1024, dir.resolve("bp.torrent"), null);
        PeerVerticle seedNode = node();
        TorrentEngine seed = host(seedNode, metainfo, dir.resolve("seed"), false, EngineOptions.defaults());
        long total = metainfo.info().totalLength();
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(64 * 1024);
            s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), seedNode.actualPort()));
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(bep3Handshake(metainfo.infoHash().bytes()).getBytes());
            out.write(MessageEncoder.encode(Message.Interested.INSTANCE).getBytes());
            io.vertx.core.buffer.Buffer requests = io.vertx.core.buffer.Buffer.buffer();
            for (int piece = 0; piece < metainfo.info().pieceCount(); piece++) {
                for (int begin = 0; begin < 256 * 1024; begin += 16384) {
                    requests.appendBuffer(MessageEncoder.encode(new Message.Request(piece, begin, 16384)));
                }
            }
            // Wait for the unchoke before asking (requests while choked are dropped).
            InputStream in = s.getInputStream();
            in.readNBytes(68);
            skipExtendedHandshake(in);
            int bitfieldFrame = ByteBuffer.wrap(in.readNBytes(4)).getInt();
            in.readNBytes(bitfieldFrame);
            assertThat(in.readNBytes(5)).containsExactly(0, 0, 0, 1, Message.UNCHOKE);
            out.write(requests.getBytes());
            out.flush();

            // We read nothing: the seeder must stop at what the socket buffers hold.
            Thread.sleep(1500);
            long stalled = seed.state().uploaded();
            Thread.sleep(1000);
            assertThat(seed.state().uploaded()).isEqualTo(stalled);
            // What may sit unread: the kernel's buffers (our 1 MiB send buffer, which Linux doubles and
            // loopback lets overshoot: 4.7 MiB in all was measured) and the 1 MiB the connection
            // queues before it says full; not the 32 MiB asked for.
            assertThat(stalled).isLessThanOrEqualTo(4L * PeerVerticle.SOCKET_BUFFER_BYTES + 1024 * 1024 + 16 * 1024);

            // Now read everything: every block arrives.
            long received = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (received < total && System.nanoTime() < deadline) {
                int length = ByteBuffer.wrap(in.readNBytes(4)).getInt();
                byte[] frame = in.readNBytes(length);
                if (frame[0] == Message.PIECE) {
                    received += length - 9;
                }
            }
            assertThat(received).isEqualTo(total);
        }
    }

    @Test
    void uploadRateLimitHoldsTheAverage() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/slow.bin"), 3L * 1024 * 1024, 10);
        Metainfo metainfo = TestTorrents.create(content, 64 * 1024, dir.resolve("slow.torrent"), null);
        PeerVerticle seedNode = node();
        host(seedNode, metainfo, dir.resolve("seed"), false, EngineOptions.defaults().withUploadRate(1024 * 1024));
        TorrentEngine leech = host(node(), metainfo, dir.resolve("leech"), true, EngineOptions.defaults());
        long start = System.nanoTime();
        await(leech.connect("127.0.0.1", seedNode.actualPort()));
        await(leech.completion());
        double seconds = (System.nanoTime() - start) / 1e9;
        // 3 MiB at 1 MiB/s with a one-second burst: at least about 2 s, and not absurdly slow.
        assertThat(seconds).isBetween(1.8, 10.0);
        assertSameTree(content, dir.resolve("leech/slow.bin"));
    }

    @Test
    void twoTorrentsOfOneNodeShareItsNodeWideUploadLimit() throws Exception {
        Path a = TestTorrents.randomFile(dir.resolve("seed/a.bin"), 2L * 1024 * 1024, 21);
        Path b = TestTorrents.randomFile(dir.resolve("seed/b.bin"), 2L * 1024 * 1024, 22);
        Metainfo ma = TestTorrents.create(a, 64 * 1024, dir.resolve("a.torrent"), null);
        Metainfo mb = TestTorrents.create(b, 64 * 1024, dir.resolve("b.torrent"), null);
        PeerVerticle seedNode = node().nodeRateLimits(1024 * 1024, 0);
        host(seedNode, ma, dir.resolve("seed"), false, EngineOptions.defaults());
        host(seedNode, mb, dir.resolve("seed"), false, EngineOptions.defaults());
        TorrentEngine leechA = host(node(), ma, dir.resolve("leech"), true, EngineOptions.defaults());
        TorrentEngine leechB = host(node(), mb, dir.resolve("leech"), true, EngineOptions.defaults());
        long start = System.nanoTime();
        await(leechA.connect("127.0.0.1", seedNode.actualPort()));
        await(leechB.connect("127.0.0.1", seedNode.actualPort()));
        await(leechA.completion());
        await(leechB.completion());
        double seconds = (System.nanoTime() - start) / 1e9;
        // 4 MiB through one 1 MiB/s node limit (neither torrent has its own): about 4 s, where
        // each torrent alone would be done in about 2 s.
        assertThat(seconds).isBetween(3.0, 15.0);
        assertSameTree(a, dir.resolve("leech/a.bin"));
        assertSameTree(b, dir.resolve("leech/b.bin"));
    }

    /**
     * A seeder speaking the real wire protocol from a plain socket, whose first answer for every
     * block of piece 0 is corrupt and every later answer is the true data.
     */
    static Thread lyingSeeder(java.net.ServerSocket server, Metainfo metainfo, Path content) {
        return wireSeeder(server, metainfo, content, false);
    }

    /**
     * @param ignoreFirst instead of lying, leave the first request for each block of piece 0
     *                    unanswered (without choking)
     */
    static Thread wireSeeder(java.net.ServerSocket server, Metainfo metainfo, Path content, boolean ignoreFirst) {
        Thread t = new Thread(() -> {
            try (Socket s = server.accept(); var file = java.nio.channels.FileChannel.open(content)) {
                s.setSoTimeout(20_000);
                InputStream in = s.getInputStream();
                OutputStream out = new java.io.BufferedOutputStream(s.getOutputStream());
                in.readNBytes(68);
                out.write(TestTorrents.seedGreeting(metainfo, PeerId.generate()));
                out.flush();
                java.util.Set<Long> lied = new java.util.HashSet<>();
                while (true) {
                    byte[] header = in.readNBytes(4);
                    if (header.length < 4) {
                        return;
                    }
                    int length = ByteBuffer.wrap(header).getInt();
                    byte[] frame = in.readNBytes(length);
                    if (length == 13 && frame[0] == Message.REQUEST) {
                        var b = ByteBuffer.wrap(frame, 1, 12);
                        int index = b.getInt();
                        int begin = b.getInt();
                        int size = b.getInt();
                        ByteBuffer data = ByteBuffer.allocate(size);
                        file.read(data, (long) index * metainfo.info().pieceLength() + begin);
                        byte[] block = data.array();
                        if (index == 0 && lied.add((long) begin)) {
                            if (ignoreFirst) {
                                continue;
                            }
                            block[0] ^= 0x5a;
                        }
                        out.write(MessageEncoder.encode(new Message.Piece(index, begin, block)).getBytes());
                        out.flush();
                    }
                }
            } catch (Exception e) {
                // the leecher closed the connection: done
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void pieceThatFailsSha1IsDiscardedAndFetchedAgain() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/liar.bin"), 500_000, 14);
        Metainfo metainfo = TestTorrents.create(content, 64 * 1024, dir.resolve("liar.torrent"), null);
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            lyingSeeder(server, metainfo, content);
            TorrentEngine leech = host(node(), metainfo, dir.resolve("leech"), true, EngineOptions.defaults());
            await(leech.connect("127.0.0.1", server.getLocalPort()));
            // Alone in a failed piece, the liar is banned (issue 5): an honest seed then supplies the rest.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (leech.state().bans() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(leech.state().bans()).isEqualTo(1);
            PeerVerticle honest = node();
            host(honest, metainfo, dir.resolve("seed"), false, EngineOptions.defaults());
            await(leech.connect("127.0.0.1", honest.actualPort()));
            await(leech.completion());
            assertThat(leech.state().hashFailures()).isEqualTo(1);
            assertThat(leech.state().piecesVerified()).isEqualTo(metainfo.info().pieceCount());
            assertSameTree(content, dir.resolve("leech/liar.bin"));
        }
    }

    @Test
    void requestsAPeerLeavesUnansweredAreAskedAgainAfterTheRequestTimeout() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/mute.bin"), 300_000, 16);
        Metainfo metainfo = TestTorrents.create(content, 64 * 1024, dir.resolve("mute.torrent"), null);
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            wireSeeder(server, metainfo, content, true);
            TorrentEngine leech = host(node(), metainfo, dir.resolve("leech"), true,
                    EngineOptions.defaults().withRequestTimeout(Duration.ofSeconds(1)));
            long start = System.nanoTime();
            await(leech.connect("127.0.0.1", server.getLocalPort()));
            await(leech.completion());
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(900L);
            assertSameTree(content, dir.resolve("leech/mute.bin"));
            assertThat(leech.state().requestsOutstanding()).isZero();
        }
    }

    @Test
    void aCandidateFromAPeerSourceIsDialledAndExtensionsSpeakRightAfterTheHandshake() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/ext.bin"), 1024 * 1024 + 3, 21);
        Metainfo metainfo = TestTorrents.create(content, 64 * 1024, dir.resolve("ext.torrent"), null);
        PeerVerticle seedNode = node();
        TorrentEngine seed = host(seedNode, metainfo, dir.resolve("seed"), false, EngineOptions.defaults());
        await(seed.extensions(new PeerExtensions() {
            @Override
            public void onHandshake(PeerLink link, Handshake theirs) {
                link.send(new Message.Extended(0, "hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            }
        }));
        TorrentEngine leech = host(node(), metainfo, dir.resolve("leech"), true, EngineOptions.defaults());
        CompletableFuture<String> heard = new CompletableFuture<>();
        await(leech.extensions(new PeerExtensions() {
            @Override
            public void onExtended(PeerLink link, Message.Extended message) {
                heard.complete(message.extendedId() + " "
                        + new String(message.payload(), java.nio.charset.StandardCharsets.US_ASCII));
            }
        }));

        leech.addPeer(new PeerAddress("127.0.0.1", seedNode.actualPort()), PeerOrigin.TRACKER);
        await(leech.completion());

        assertThat(heard.get(10, TimeUnit.SECONDS)).isEqualTo("0 hello");
        assertSameTree(content, dir.resolve("leech/ext.bin"));
    }

    static boolean connectedTo(TorrentEngine engine, byte[] peerId) throws Exception {
        return await(engine.peers()).stream().anyMatch(p -> java.util.Arrays.equals(p.peerId(), peerId));
    }

    /** Knowing only the seed, two leechers meet because the seed told each about the other (ut_pex, BEP 11). */
    @Test
    void twoLeechersGivenOnlyTheSeedFindEachOtherThroughPex() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/pex.bin"), 4 * 1024 * 1024, 41);
        Metainfo metainfo = TestTorrents.create(content, 64 * 1024, dir.resolve("pex.torrent"), null);
        PeerVerticle seedNode = node();
        host(seedNode, metainfo, dir.resolve("seed"), false, EngineOptions.defaults());
        // Slow leechers: they must still be leeching (two seeds part at once) when they meet.
        EngineOptions slow = EngineOptions.defaults().withDownloadRate(64 * 1024);
        PeerVerticle bNode = node();
        PeerVerticle cNode = node();
        TorrentEngine b = host(bNode, metainfo, dir.resolve("b"), true, slow);
        TorrentEngine c = host(cNode, metainfo, dir.resolve("c"), true, slow);
        await(b.connect("127.0.0.1", seedNode.actualPort()));
        await(c.connect("127.0.0.1", seedNode.actualPort()));

        // The seed's first ut_pex message to each goes out on its next tick (0.5 s); bounded wait.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        boolean met = false;
        while (!met && System.nanoTime() < deadline) {
            met = connectedTo(b, cNode.peerId()) && connectedTo(c, bNode.peerId());
            if (!met) {
                Thread.sleep(100);
            }
        }
        assertThat(met).as("b and c connected to each other, knowing only the seed's address").isTrue();
        assertThat(b.state().complete()).isFalse();
        assertThat(c.state().complete()).isFalse();
    }

    /**
     * A peer that dialled us first is the candidate a tracker also gave us: once our own dial finds
     * it already connected, it is not dialled again while that connection lasts (it was, with the
     * backoff's 1, 2, 4 s..., each time a connection and two handshakes thrown away: ~11 % of the
     * samples of an idle 16-peer swarm).
     */
    @Test
    void aPeerThatDialledUsFirstIsNotDialledBackWhileItsConnectionLasts() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/dup.bin"), 256 * 1024, 51);
        Metainfo metainfo = TestTorrents.create(content, 64 * 1024, dir.resolve("dup.torrent"), null);
        PeerVerticle aNode = node();
        PeerVerticle bNode = node();
        TorrentEngine a = host(aNode, metainfo, dir.resolve("a"), true, EngineOptions.defaults());
        TorrentEngine b = host(bNode, metainfo, dir.resolve("b"), true, EngineOptions.defaults());
        // b's address as a tracker would give it to a, through a relay that counts a's dials.
        AtomicInteger dialsOfB = new AtomicInteger();
        NetServer relay = countingRelay(bNode.actualPort(), dialsOfB);

        await(b.connect("127.0.0.1", aNode.actualPort()));
        a.addPeer(new PeerAddress("127.0.0.1", relay.actualPort()), PeerOrigin.TRACKER);
        // a dials on its next tick (0.5 s) and finds b already connected; without the fix it dials
        // again at +1 s and +3 s.
        Thread.sleep(4_500);
        assertThat(dialsOfB).as("a's dials of b's address").hasValue(1);
        assertThat(connectedTo(a, bNode.peerId())).as("a and b still connected").isTrue();
        assertThat(await(a.peers())).hasSize(1);
    }

    /**
     * Two seeds have nothing to trade: their connection closes as soon as each has said what it has,
     * and the one that dialled does not dial the other again while it seeds (it did, with the
     * backoff's 1, 2, 4 s..., then once a minute for as long as both seeded: each time a connection
     * and two handshakes thrown away, at the end of every swarm).
     */
    @Test
    void aSeedDoesNotDialAgainAPeerItFoundToBeASeed() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed-a/seeds.bin"), 256 * 1024, 61);
        Metainfo metainfo = TestTorrents.create(content, 64 * 1024, dir.resolve("seeds.torrent"), null);
        Files.createDirectories(dir.resolve("seed-b"));
        Files.copy(content, dir.resolve("seed-b/seeds.bin"));
        PeerVerticle aNode = node();
        PeerVerticle bNode = node();
        TorrentEngine a = host(aNode, metainfo, dir.resolve("seed-a"), false, EngineOptions.defaults());
        host(bNode, metainfo, dir.resolve("seed-b"), false, EngineOptions.defaults());
        AtomicInteger dialsOfB = new AtomicInteger();
        NetServer relay = countingRelay(bNode.actualPort(), dialsOfB);

        a.addPeer(new PeerAddress("127.0.0.1", relay.actualPort()), PeerOrigin.TRACKER);
        // a dials at once and the two part; without the rule a dials again at +1 s and +3 s.
        Thread.sleep(4_500);
        assertThat(dialsOfB).as("a's dials of b's address").hasValue(1);
        assertThat(await(a.peers())).as("the two seeds parted").isEmpty();
    }

    /** A loopback port that forwards every connection to {@code targetPort}, counting them in {@code dials}. */
    NetServer countingRelay(int targetPort, AtomicInteger dials) throws Exception {
        NetClient relayClient = vertx.createNetClient();
        NetServer relay = vertx.createNetServer().connectHandler(in -> {
            dials.incrementAndGet();
            in.pause();
            relayClient.connect(targetPort, "127.0.0.1").onComplete(ar -> {
                if (ar.failed()) {
                    in.close();
                    return;
                }
                NetSocket out = ar.result();
                in.pipeTo(out);
                out.pipeTo(in);
                in.resume();
            });
        });
        return await(relay.listen(0, "127.0.0.1"));
    }
}
