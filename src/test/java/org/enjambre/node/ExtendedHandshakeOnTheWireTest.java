package org.enjambre.node;

import static org.enjambre.testutil.Futures.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.Bencode;
import org.enjambre.metainfo.Metainfo;
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
import org.enjambre.wire.ext.PexMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * BEP 10 on a real socket: a raw peer (plain java.net.Socket) connects to an Enjambre seeder. When
 * both set the extension bit the seeder's extended handshake is the first message after its
 * handshake; the peer's own extended handshake is read, and a malformed one closes the connection.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(NettyLeaks.class)
class ExtendedHandshakeOnTheWireTest {
    @TempDir
    Path dir;
    Vertx vertx;
    PeerVerticle seedNode;
    Metainfo metainfo;
    TorrentEngine seed;

    @BeforeEach
    void startSeeder() throws Exception {
        vertx = Vertx.vertx();
        seedNode = new PeerVerticle("127.0.0.1", 0);
        await(vertx.deployVerticle(seedNode));
        Path content = TestTorrents.randomFile(dir.resolve("seed/ext.bin"), 200_000, 31);
        metainfo = TestTorrents.create(content, 16 * 1024, dir.resolve("ext.torrent"), null);
        seed = await(seedNode.addTorrent(metainfo,
                new StoragePieceStore(TorrentStorage.open(metainfo.info(), dir.resolve("seed")), false),
                EngineOptions.defaults()));
    }

    @AfterEach
    void stop() throws Exception {
        await(vertx.close());
    }

    /** One frame: its body (id and payload). */
    private static byte[] frame(DataInputStream in) throws IOException {
        int length = in.readInt();
        byte[] body = new byte[length];
        in.readFully(body);
        return body;
    }

    private Socket connect(Set<ReservedBit> bits) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), seedNode.actualPort());
        s.setSoTimeout(20_000); // the machine may be loaded: the bound is the test's timeout, not speed
        s.getOutputStream().write(Handshake.withBits(bits, metainfo.infoHash().bytes(), PeerId.generate())
                .encode().getBytes());
        return s;
    }

    @Test
    void seederSendsItsExtendedHandshakeRightAfterTheHandshakeBeforeAnyOtherMessage() throws Exception {
        try (Socket s = connect(Set.of(ReservedBit.EXTENSION_PROTOCOL))) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] theirHandshake = new byte[Handshake.LENGTH];
            in.readFully(theirHandshake);
            assertThat(theirHandshake[20 + ReservedBit.EXTENSION_PROTOCOL.byteIndex()]
                    & ReservedBit.EXTENSION_PROTOCOL.mask()).isNotZero();

            byte[] first = frame(in);
            assertThat(first[0]).as("first message id").isEqualTo((byte) Message.EXTENDED);
            assertThat(first[1]).as("extended handshake id").isZero();
            byte[] payload = java.util.Arrays.copyOfRange(first, 2, first.length);
            BDict raw = (BDict) Bencode.parse(payload);
            assertThat(raw.get("m")).as("m is a dictionary").isInstanceOf(BDict.class);
            ExtendedHandshake extended = ExtendedHandshake.decode(payload);
            assertThat(extended.version()).contains("Enjambre 0.1.0");
            assertThat(extended.port()).hasValue(seedNode.actualPort());
            assertThat(extended.reqq()).hasValue(EngineOptions.defaults().maxUploadQueue());
            assertThat(extended.yourIp()).contains(InetAddress.ofLiteral("127.0.0.1"));

            byte[] second = frame(in);
            assertThat(second[0]).as("then the bitfield").isEqualTo((byte) Message.BITFIELD);
        }
    }

    @Test
    void aFastPeerHearsUtPexOfferedThenHaveAllAndItsAllowedFastSet() throws Exception {
        try (Socket s = connect(Set.of(ReservedBit.EXTENSION_PROTOCOL, ReservedBit.FAST_EXTENSION))) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] theirHandshake = new byte[Handshake.LENGTH];
            in.readFully(theirHandshake);
            assertThat(theirHandshake[20 + ReservedBit.FAST_EXTENSION.byteIndex()]
                    & ReservedBit.FAST_EXTENSION.mask()).isNotZero();
            byte[] first = frame(in);
            assertThat(first[0]).isEqualTo((byte) Message.EXTENDED);
            ExtendedHandshake extended = ExtendedHandshake.decode(java.util.Arrays.copyOfRange(first, 2, first.length));
            assertThat(extended.extensionIds()).containsKey(PexMessage.NAME);
            assertThat(frame(in)).as("have all instead of a bitfield").containsExactly(Message.HAVE_ALL);
            java.util.Set<Integer> allowed = new java.util.HashSet<>();
            for (int i = 0; i < 10; i++) {
                byte[] next = frame(in);
                assertThat(next[0]).isEqualTo((byte) Message.ALLOWED_FAST);
                allowed.add(java.nio.ByteBuffer.wrap(next, 1, 4).getInt());
            }
            assertThat(allowed).hasSize(10).allSatisfy(i -> assertThat(i).isBetween(0, metainfo.info().pieceCount() - 1));
        }
    }

    @Test
    void aPrivateTorrentDoesNotOfferUtPex() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("private/p.bin"), 50_000, 32);
        Metainfo privateTorrent = org.enjambre.metainfo.TorrentBuilder.forPath(content).pieceLength(16 * 1024)
                .privateFlag(true).build();
        await(seedNode.addTorrent(privateTorrent,
                new StoragePieceStore(TorrentStorage.open(privateTorrent.info(), dir.resolve("private")), false),
                EngineOptions.defaults()));
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), seedNode.actualPort())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(Handshake.withBits(Set.of(ReservedBit.EXTENSION_PROTOCOL),
                    privateTorrent.infoHash().bytes(), PeerId.generate()).encode().getBytes());
            DataInputStream in = new DataInputStream(s.getInputStream());
            in.readFully(new byte[Handshake.LENGTH]);
            byte[] first = frame(in);
            assertThat(first[0]).isEqualTo((byte) Message.EXTENDED);
            ExtendedHandshake extended = ExtendedHandshake.decode(java.util.Arrays.copyOfRange(first, 2, first.length));
            assertThat(extended.version()).contains("Enjambre 0.1.0");
            assertThat(extended.extensionIds()).doesNotContainKey(PexMessage.NAME);
        }
    }

    @Test
    void aPeerWithoutTheExtensionBitGetsNoExtendedMessage() throws Exception {
        try (Socket s = connect(Set.of())) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            in.readFully(new byte[Handshake.LENGTH]);
            assertThat(frame(in)[0]).isEqualTo((byte) Message.BITFIELD);
        }
    }

    @Test
    void thePeersWellFormedExtendedHandshakeIsReadAndTheConnectionGoesOn() throws Exception {
        try (Socket s = connect(Set.of(ReservedBit.EXTENSION_PROTOCOL))) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            byte[] ours = ExtendedHandshake.builder().extension("ut_pex", 1).version("raw test peer").port(6881)
                    .build().encode();
            out.write(MessageEncoder.encode(new Message.Extended(0, ours)).getBytes());
            out.write(MessageEncoder.encode(Message.Interested.INSTANCE).getBytes());
            out.flush();
            in.readFully(new byte[Handshake.LENGTH]);
            boolean unchoked = false;
            for (int i = 0; i < 10 && !unchoked; i++) {
                unchoked = frame(in)[0] == Message.UNCHOKE;
            }
            assertThat(unchoked).as("the seeder unchokes a peer that sent a good extended handshake").isTrue();
        }
    }

    @Test
    void aMalformedExtendedHandshakeOrAnIdNeverGivenClosesOnlyThatConnection() throws Exception {
        assertThat(closedAfter(new Message.Extended(0, "d1:mi1ee".getBytes(StandardCharsets.ISO_8859_1)))).isTrue();
        assertThat(closedAfter(new Message.Extended(0, "not bencode".getBytes(StandardCharsets.ISO_8859_1)))).isTrue();
        assertThat(closedAfter(new Message.Extended(7, "de".getBytes(StandardCharsets.ISO_8859_1)))).isTrue();
        try (Socket s = connect(Set.of(ReservedBit.EXTENSION_PROTOCOL))) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            in.readFully(new byte[Handshake.LENGTH]);
            assertThat(frame(in)[0]).as("the seeder still serves others").isEqualTo((byte) Message.EXTENDED);
        }
    }

    /** Reuses the malformed-input probe of {@link PeerTransferTest}: its raw peer sets the BEP 10 bit. */
    private boolean closedAfter(Message evil) throws Exception {
        return PeerTransferTest.closedAfter(seedNode.actualPort(), metainfo.infoHash().bytes(),
                MessageEncoder.encode(evil).getBytes());
    }
}
