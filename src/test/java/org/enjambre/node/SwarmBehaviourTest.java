package org.enjambre.node;

import static org.enjambre.testutil.Futures.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.enjambre.metainfo.InfoHash;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.storage.TorrentStorage;
import org.enjambre.swarm.EngineOptions;
import org.enjambre.swarm.PeerStats;
import org.enjambre.swarm.StoragePieceStore;
import org.enjambre.swarm.TestTorrents;
import org.enjambre.swarm.TorrentEngine;
import org.enjambre.testutil.NettyLeaks;
import org.enjambre.wire.Handshake;
import org.enjambre.wire.Message;
import org.enjambre.wire.MessageEncoder;
import org.enjambre.wire.PeerId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Swarm behaviour on real sockets, every peer its own {@link PeerVerticle} on loopback: leechers
 * trade with each other, downloads survive a dying seed and a lying peer, and the endgame does not
 * wait on a slow peer. Durations are shortened so that the class runs in seconds.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(NettyLeaks.class)
class SwarmBehaviourTest {
    @TempDir
    Path dir;
    final List<Vertx> vertxes = new ArrayList<>();

    /** Choke rounds every second, optimistic every two: a swarm of a few seconds still rotates. */
    static final EngineOptions FAST = EngineOptions.defaults()
            .withChoking(4, Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5));

    @AfterEach
    void stopAll() throws Exception {
        for (Vertx v : vertxes) {
            v.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    /** A peer in its own Vert.x instance, so that closing that instance kills the peer abruptly. */
    PeerVerticle node() throws Exception {
        Vertx vertx = Vertx.vertx();
        vertxes.add(vertx);
        PeerVerticle v = new PeerVerticle("127.0.0.1", 0);
        await(vertx.deployVerticle(v));
        return v;
    }

    TorrentEngine host(PeerVerticle node, Metainfo metainfo, Path data, boolean download, EngineOptions options)
            throws Exception {
        return await(node.addTorrent(metainfo,
                new StoragePieceStore(TorrentStorage.open(metainfo.info(), data), download), options));
    }

    static String hex(byte[] peerId) {
        return InfoHash.of(peerId).hex();
    }

    @Test
    void sixLeechersTradeWithEachOtherWhenTheSeedsUploadIsLimited() throws Exception {
        long size = 2 * 1024 * 1024;
        Path content = TestTorrents.randomFile(dir.resolve("seed/swarm.bin"), size, 11);
        Metainfo metainfo = TestTorrents.create(content, 32 * 1024, dir.resolve("swarm.torrent"), null);
        PeerVerticle seedNode = node();
        TorrentEngine seed = host(seedNode, metainfo, dir.resolve("seed"), false, FAST.withUploadRate(384 * 1024));
        List<PeerVerticle> nodes = new ArrayList<>();
        List<TorrentEngine> leechers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            PeerVerticle node = node();
            TorrentEngine leech = host(node, metainfo, dir.resolve("leech" + i), true, FAST);
            leech.connect("127.0.0.1", seedNode.actualPort());
            for (PeerVerticle other : nodes) {
                leech.connect("127.0.0.1", other.actualPort());
            }
            nodes.add(node);
            leechers.add(leech);
        }
        for (TorrentEngine leech : leechers) {
            await(leech.completion());
        }
        String seedId = hex(seedNode.peerId());
        for (int i = 0; i < leechers.size(); i++) {
            TorrentEngine leech = leechers.get(i);
            assertThat(Files.mismatch(content, dir.resolve("leech" + i + "/swarm.bin"))).isEqualTo(-1L);
            PeerStats fromSeed = leech.state().peerStats(seedId);
            long received = leech.state().downloaded();
            long fromLeechers = received - (fromSeed == null ? 0 : fromSeed.downloaded());
            System.out.printf("leecher %d: %d bytes received, %d from other leechers%n", i, received, fromLeechers);
            assertThat(fromLeechers).as("bytes leecher %d got from other leechers", i)
                    .isGreaterThanOrEqualTo(received / 2);
        }
        // The seed's limit held: it sent about one copy plus what rotation cost, not six copies.
        assertThat(seed.state().uploaded()).isLessThan(3 * size);
        // Its scarce upload went to pieces nobody had first: every piece was out, whole, after about
        // one copy, and never before one (a piece is out when some peer was sent all of it).
        long out = seed.state().uploadedWhenEveryPieceWasOut();
        System.out.printf("seed: every piece out after %d bytes (%.2f copies)%n", out, (double) out / size);
        assertThat(out).isBetween(size, size + size / 10);
    }

    @Test
    void leecherCompletesWhenOneSeedDiesMidTransferAndAnotherRemains() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/dies.bin"), 1536 * 1024, 12);
        Metainfo metainfo = TestTorrents.create(content, 32 * 1024, dir.resolve("dies.torrent"), null);
        PeerVerticle dying = node();
        Vertx dyingVertx = vertxes.get(0);
        host(dying, metainfo, dir.resolve("seed"), false, FAST.withUploadRate(256 * 1024));
        PeerVerticle staying = node();
        host(staying, metainfo, dir.resolve("seed"), false, FAST.withUploadRate(256 * 1024));
        TorrentEngine leech = host(node(), metainfo, dir.resolve("leech"), true, FAST);
        await(leech.connect("127.0.0.1", dying.actualPort()));
        await(leech.connect("127.0.0.1", staying.actualPort()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (leech.state().progress() < 0.3 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        double progressAtDeath = leech.state().progress();
        assertThat(progressAtDeath).isBetween(0.3, 0.9);
        await(dyingVertx.close()); // sockets close with requests outstanding
        vertxes.remove(dyingVertx);
        await(leech.completion());
        assertThat(Files.mismatch(content, dir.resolve("leech/dies.bin"))).isEqualTo(-1L);
        assertThat(leech.state().peerStats(hex(dying.peerId())).downloaded()).isPositive();
        assertThat(leech.state().peerStats(hex(staying.peerId())).downloaded()).isPositive();
        assertThat(leech.state().requestsOutstanding()).isZero();
    }

    @Test
    void peerSendingWrongBlockDataIsBannedAndTheFileCompletesCorrect() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/hostile.bin"), 1024 * 1024, 13);
        Metainfo metainfo = TestTorrents.create(content, 32 * 1024, dir.resolve("hostile.torrent"), null);
        PeerVerticle seedNode = node();
        host(seedNode, metainfo, dir.resolve("seed"), false, FAST.withUploadRate(256 * 1024));
        PeerVerticle leechNode = node();
        TorrentEngine leech = host(leechNode, metainfo, dir.resolve("leech"), true, FAST);
        byte[] hostileId = PeerId.generate();
        HostilePeer hostile = new HostilePeer(leechNode.actualPort(), metainfo, hostileId);
        Thread thread = new Thread(hostile, "hostile-peer");
        thread.setDaemon(true);
        thread.start();
        // The liar first, alone: the pieces it sends have no other sender.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (hostile.blocksSent.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        await(leech.connect("127.0.0.1", seedNode.actualPort()));
        await(leech.completion());
        thread.join(10_000);

        assertThat(Files.mismatch(content, dir.resolve("leech/hostile.bin"))).isEqualTo(-1L);
        PeerStats stats = leech.state().peerStats(hex(hostileId));
        System.out.printf("hostile peer: %d blocks served, %s; hash failures %d, bans %d%n", hostile.blocksSent.get(),
                stats, leech.state().hashFailures(), leech.state().bans());
        assertThat(hostile.blocksSent.get()).isPositive();
        assertThat(stats.banned()).isTrue();
        // Alone in a failed piece is enough: banned at the first verdict (pieces already in hashing
        // when it came still count as failures, hence not exactly one).
        assertThat(stats.hashFailures()).isPositive();
        assertThat(leech.state().bans()).isEqualTo(1);
        assertThat(leech.state().hashFailures()).isEqualTo(stats.hashFailures());
        assertThat(leech.state().peerStats(hex(seedNode.peerId())).banned()).isFalse();
        assertThat(hostile.refusedOnReconnect).as("a banned peer that comes back is closed at its handshake").isTrue();
    }

    @Test
    void endgameFinishesTheLastBlocksFromTheFastPeerWithoutWaitingOnTheSlowOne() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/end.bin"), 1024 * 1024, 14);
        Metainfo metainfo = TestTorrents.create(content, 64 * 1024, dir.resolve("end.torrent"), null);
        PeerVerticle slow = node();
        host(slow, metainfo, dir.resolve("seed"), false, FAST.withUploadRate(16 * 1024));
        PeerVerticle fast = node();
        host(fast, metainfo, dir.resolve("seed"), false, FAST);
        TorrentEngine leech = host(node(), metainfo, dir.resolve("leech"), true, FAST);
        // The slow peer first: it holds a pipeline of requests before the fast one connects.
        await(leech.connect("127.0.0.1", slow.actualPort()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (leech.state().requestsOutstanding() < 8 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        long start = System.nanoTime();
        await(leech.connect("127.0.0.1", fast.actualPort()));
        await(leech.completion());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(Files.mismatch(content, dir.resolve("leech/end.bin"))).isEqualTo(-1L);
        System.out.printf("endgame: complete %.1f s after the fast peer came; %d duplicate requests, %d cancels%n",
                seconds, leech.state().endgameRequests(), leech.state().cancelsSent());
        // At 16 KiB/s the slow peer alone would need a minute.
        assertThat(seconds).isLessThan(15);
        assertThat(leech.state().endgameRequests()).isPositive();
        assertThat(leech.state().cancelsSent()).isPositive();
        assertThat(leech.state().peerStats(hex(fast.peerId())).downloaded())
                .isGreaterThan(leech.state().peerStats(hex(slow.peerId())).downloaded());
    }

    @Test
    void snubbingPeerLosesItsRequestsToOthersAndTheDownloadCompletes() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/snub.bin"), 1024 * 1024, 16);
        Metainfo metainfo = TestTorrents.create(content, 32 * 1024, dir.resolve("snub.torrent"), null);
        PeerVerticle seedNode = node();
        host(seedNode, metainfo, dir.resolve("seed"), false, FAST.withUploadRate(512 * 1024));
        PeerVerticle leechNode = node();
        // Snubbed after 1 s without a block; the request timeout (30 s) would come far later.
        TorrentEngine leech = host(leechNode, metainfo, dir.resolve("leech"), true,
                FAST.withChoking(4, Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(1)));
        byte[] muteId = PeerId.generate();
        MutePeer mute = new MutePeer(leechNode.actualPort(), metainfo, muteId);
        Thread thread = new Thread(mute, "mute-peer");
        thread.setDaemon(true);
        thread.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (mute.requestsReceived.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(mute.requestsReceived.get()).isPositive();
        long start = System.nanoTime();
        await(leech.connect("127.0.0.1", seedNode.actualPort()));
        await(leech.completion());
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("snub: %d requests went to the mute peer; %d snub(s); complete in %.1f s%n",
                mute.requestsReceived.get(), leech.state().snubs(), seconds);
        assertThat(Files.mismatch(content, dir.resolve("leech/snub.bin"))).isEqualTo(-1L);
        assertThat(leech.state().snubs()).isPositive();
        assertThat(leech.state().peerStats(hex(muteId)).downloaded()).isZero();
        assertThat(seconds).isLessThan(20); // not the 30 s request timeout
        mute.stop();
    }

    /** Claims every piece, unchokes, takes requests and never answers one (but stays connected). */
    static final class MutePeer implements Runnable {
        final int port;
        final Metainfo metainfo;
        final byte[] peerId;
        final AtomicInteger requestsReceived = new AtomicInteger();
        volatile Socket socket;

        MutePeer(int port, Metainfo metainfo, byte[] peerId) {
            this.port = port;
            this.metainfo = metainfo;
            this.peerId = peerId;
        }

        void stop() throws Exception {
            if (socket != null) {
                socket.close();
            }
        }

        @Override
        public void run() {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                socket = s;
                OutputStream out = s.getOutputStream();
                DataInputStream in = new DataInputStream(s.getInputStream());
                out.write(TestTorrents.seedGreeting(metainfo, peerId));
                in.readFully(new byte[Handshake.LENGTH]);
                while (true) {
                    int length = in.readInt();
                    if (length > 0) {
                        byte[] body = new byte[length];
                        in.readFully(body);
                        if (body[0] == Message.REQUEST) {
                            requestsReceived.incrementAndGet();
                        }
                    }
                }
            } catch (Exception e) {
                // closed: the test is over
            }
        }
    }

    @Test
    void downloadRateLimitHoldsTheAverage() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/capped.bin"), 1536 * 1024, 15);
        Metainfo metainfo = TestTorrents.create(content, 64 * 1024, dir.resolve("capped.torrent"), null);
        PeerVerticle seedNode = node();
        host(seedNode, metainfo, dir.resolve("seed"), false, FAST);
        TorrentEngine leech = host(node(), metainfo, dir.resolve("leech"), true, FAST.withDownloadRate(512 * 1024));
        long start = System.nanoTime();
        await(leech.connect("127.0.0.1", seedNode.actualPort()));
        await(leech.completion());
        double seconds = (System.nanoTime() - start) / 1e9;
        // 1.5 MiB at 512 KiB/s with a small initial allowance and socket buffers: at least ~2 s.
        assertThat(seconds).isBetween(1.8, 15.0);
        assertThat(Files.mismatch(content, dir.resolve("leech/capped.bin"))).isEqualTo(-1L);
    }

    /**
     * Under a download limit the leecher's socket is paused most of the time, and Vert.x keeps the
     * reads that arrive meanwhile for when it resumes: when the seed dies then, those reads (raw Netty
     * buffers) must still be released, not left to the garbage collector. The class's leak check
     * ({@link NettyLeaks}, after the test, once nothing refers to the engines any more) fails it otherwise.
     */
    @Test
    void aConnectionClosedWhileItsReadsArePausedReleasesTheReadsQueuedMeanwhile() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/paused.bin"), 1024 * 1024, 17);
        Metainfo metainfo = TestTorrents.create(content, 64 * 1024, dir.resolve("paused.torrent"), null);
        PeerVerticle seedNode = node();
        Vertx seedVertx = vertxes.getLast();
        host(seedNode, metainfo, dir.resolve("seed"), false, FAST);
        TorrentEngine leech = host(node(), metainfo, dir.resolve("leech"), true, FAST.withDownloadRate(16 * 1024));
        await(leech.connect("127.0.0.1", seedNode.actualPort()));
        // The seed answers the whole request pipeline at once; the leecher reads 16 KiB and pauses.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (leech.state().downloaded() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(leech.state().downloaded()).isPositive();
        assertThat(leech.state().complete()).isFalse();
        await(seedVertx.close()); // the connection closes with reads queued behind the pause
        vertxes.remove(seedVertx);
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (leech.state().peers() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(leech.state().peers()).isZero();
    }

    /**
     * A test double that speaks the real wire protocol and lies: it dials the leecher, claims every
     * piece, unchokes, and answers every request with random bytes. After it is dropped it comes
     * back once to see whether it is let in.
     */
    static final class HostilePeer implements Runnable {
        final int port;
        final Metainfo metainfo;
        final byte[] peerId;
        final AtomicInteger blocksSent = new AtomicInteger();
        volatile boolean refusedOnReconnect;

        HostilePeer(int port, Metainfo metainfo, byte[] peerId) {
            this.port = port;
            this.metainfo = metainfo;
            this.peerId = peerId;
        }

        @Override
        public void run() {
            try {
                try {
                    serveLies();
                } catch (java.io.IOException closedOnUs) {
                    // the leecher dropped us: come back once
                }
                // Banned? Then a new connection gets the handshake refused: closed before any message.
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    s.setSoTimeout(5_000);
                    s.getOutputStream().write(Handshake.ours(metainfo.infoHash().bytes(), peerId).encode().getBytes());
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    try {
                        byte[] rest = in.readNBytes(Handshake.LENGTH + 1); // their handshake at most, then EOF
                        refusedOnReconnect = rest.length <= Handshake.LENGTH;
                    } catch (java.net.SocketException reset) {
                        refusedOnReconnect = true; // closed with our handshake unread: a reset
                    }
                }
            } catch (Exception e) {
                // the connection was closed on us: that is the expected end
            }
        }

        private void serveLies() throws Exception {
            Random random = new Random(99);
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(30_000);
                OutputStream out = s.getOutputStream();
                DataInputStream in = new DataInputStream(s.getInputStream());
                out.write(TestTorrents.seedGreeting(metainfo, peerId));
                in.readFully(new byte[Handshake.LENGTH]);
                while (true) {
                    int length = in.readInt();
                    if (length == 0) {
                        continue;
                    }
                    byte[] body = new byte[length];
                    in.readFully(body);
                    if (body[0] == Message.REQUEST) {
                        ByteBuffer b = ByteBuffer.wrap(body, 1, 12);
                        int index = b.getInt();
                        int begin = b.getInt();
                        int len = b.getInt();
                        byte[] junk = new byte[len];
                        random.nextBytes(junk);
                        out.write(MessageEncoder.encode(new Message.Piece(index, begin, junk)).getBytes());
                        blocksSent.incrementAndGet();
                    }
                }
            }
        }
    }
}
