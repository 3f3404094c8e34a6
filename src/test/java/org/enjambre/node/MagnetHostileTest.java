package org.enjambre.node;

import static org.enjambre.testutil.Futures.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.enjambre.discovery.ManualSource;
import org.enjambre.metainfo.MagnetUri;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.net.PeerAddress;
import org.enjambre.storage.TorrentStorage;
import org.enjambre.swarm.EngineOptions;
import org.enjambre.swarm.StoragePieceStore;
import org.enjambre.swarm.TestTorrents;
import org.enjambre.swarm.TorrentEngine;
import org.enjambre.testutil.NettyLeaks;
import org.enjambre.wire.Handshake;
import org.enjambre.wire.Message;
import org.enjambre.wire.MessageEncoder;
import org.enjambre.wire.PeerId;
import org.enjambre.wire.ReservedBit;
import org.enjambre.wire.ext.ExtendedHandshake;
import org.enjambre.wire.ext.ExtensionMessageException;
import org.enjambre.wire.ext.MetadataMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A magnet download on real loopback sockets with hostile peers (plain java.net sockets speaking just
 * enough BitTorrent): one serves metadata whose SHA-1 is wrong, one claims 1 GiB of metadata, and an
 * Enjambre seeder has the truth. The download completes byte-exact from the seeder; the liar is
 * closed and never asked again, the 1 GiB claim never gets a request.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
@ExtendWith(NettyLeaks.class)
class MagnetHostileTest {
    @TempDir
    Path dir;
    Vertx vertx = Vertx.vertx();
    final List<AutoCloseable> closing = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        await(vertx.close());
    }

    /** A fake peer: answers the handshake, offers {@code metadataSize}, and answers each request with {@code lie}. */
    final class FakePeer implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger requests = new AtomicInteger();
        /** Connections that we (the leecher) closed after the fake peer had sent something. */
        final AtomicInteger closedByLeecher = new AtomicInteger();
        final Thread thread;

        FakePeer(byte[] infoHash, long metadataSize, byte[] lie) throws IOException {
            closing.add(this);
            thread = new Thread(() -> {
                for (int i = 0; i < 20 && !server.isClosed(); i++) { // bounded: a few redials at most
                    try (Socket s = server.accept()) {
                        connections.incrementAndGet();
                        s.setSoTimeout(20_000);
                        serve(s, infoHash, metadataSize, lie);
                    } catch (IOException | ExtensionMessageException e) {
                        // the server closed, or the leecher went (or sent what this fake cannot read)
                    }
                }
            }, "fake peer");
            thread.setDaemon(true);
            thread.start();
        }

        private void serve(Socket s, byte[] infoHash, long metadataSize, byte[] lie)
                throws IOException, ExtensionMessageException {
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            in.readFully(new byte[Handshake.LENGTH]);
            out.write(Handshake.withBits(Set.of(ReservedBit.EXTENSION_PROTOCOL), infoHash, PeerId.generate())
                    .encode().getBytes());
            out.write(MessageEncoder.encode(new Message.Extended(0, ExtendedHandshake.builder()
                    .extension(MetadataMessage.NAME, 3).metadataSize(metadataSize).build().encode())).getBytes());
            int theirId = 0;
            while (true) {
                int length;
                try {
                    length = in.readInt();
                } catch (EOFException closed) {
                    closedByLeecher.incrementAndGet();
                    return;
                }
                byte[] body = new byte[length];
                in.readFully(body);
                if (length < 2 || body[0] != Message.EXTENDED) {
                    continue;
                }
                byte[] payload = Arrays.copyOfRange(body, 2, body.length);
                if (body[1] == 0) {
                    theirId = ExtendedHandshake.decode(payload).idOf(MetadataMessage.NAME).orElse(0);
                } else if (body[1] == 3 && MetadataMessage.decode(payload).orElseThrow()
                        instanceof MetadataMessage.Request(int piece)) {
                    requests.incrementAndGet();
                    int from = piece * MetadataMessage.PIECE_LENGTH;
                    byte[] block = Arrays.copyOfRange(lie, from, Math.min(lie.length, from + MetadataMessage.PIECE_LENGTH));
                    out.write(MessageEncoder.encode(new Message.Extended(theirId, MetadataMessage.encode(
                            new MetadataMessage.Data(piece, lie.length, block)))).getBytes());
                }
            }
        }

        PeerAddress address() {
            return new PeerAddress("127.0.0.1", server.getLocalPort());
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    @Test
    void aLiarIsSkippedAOneGibibyteClaimIsRefusedAndTheHonestSeederCompletesTheDownload() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("seed/hostile.bin"), 300_000, 51);
        Metainfo metainfo = TestTorrents.create(content, 16 * 1024, dir.resolve("hostile.torrent"), null);
        byte[] lie = metainfo.infoBytes();
        lie[lie.length / 2] ^= 1;
        FakePeer liar = new FakePeer(metainfo.infoHash().bytes(), lie.length, lie);
        FakePeer giant = new FakePeer(metainfo.infoHash().bytes(), 1L << 30, new byte[0]);

        PeerVerticle seedNode = new PeerVerticle("127.0.0.1", 0);
        await(vertx.deployVerticle(seedNode));
        await(seedNode.addTorrent(metainfo, new StoragePieceStore(TorrentStorage.open(metainfo.info(),
                dir.resolve("seed")), false), EngineOptions.defaults()));
        PeerVerticle leechNode = new PeerVerticle("127.0.0.1", 0);
        await(vertx.deployVerticle(leechNode));
        MagnetUri magnet = new MagnetUri(metainfo.infoHash(), null, List.of(), List.of(liar.address(), giant.address()));
        Path out = dir.resolve("out");
        MagnetDownload download = await(MagnetDownload.start(vertx, leechNode, magnet, EngineOptions.defaults(), out,
                m -> new StoragePieceStore(TorrentStorage.open(m.info(), out), true)));

        // The liar answers first: the honest seeder comes in only once the liar was asked.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (liar.requests.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(liar.requests.get()).as("the liar was asked").isPositive();
        leechNode.addSource(metainfo.infoHash(), new ManualSource(List.of(new PeerAddress("127.0.0.1",
                seedNode.actualPort()))));

        TorrentEngine engine = await(download.engine());
        await(engine.completion());
        assertThat(Files.mismatch(content, out.resolve("hostile.bin"))).isEqualTo(-1L);
        assertThat(Metainfo.read(out.resolve("hostile.bin.torrent")).infoHash()).isEqualTo(metainfo.infoHash());
        assertThat(liar.closedByLeecher.get()).as("the liar's connection was closed").isPositive();
        assertThat(giant.requests.get()).as("1 GiB of metadata is never asked for").isZero();
        assertThat(giant.closedByLeecher.get()).isPositive();
        int askedOfLiar = liar.requests.get();
        assertThat(askedOfLiar).as("the liar's metadata had one piece, asked once").isEqualTo(1);
    }
}
