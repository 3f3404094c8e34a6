package org.enjambre.swarm;

import static org.enjambre.testutil.Futures.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.enjambre.metainfo.InfoHash;
import org.enjambre.net.PeerAddress;
import org.enjambre.wire.Handshake;
import org.enjambre.wire.Message;
import org.enjambre.wire.MessageEncoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How a torrent's connections are opened both ways, on loopback sockets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PeerConnectorTest {
    static final InfoHash INFO_HASH = InfoHash.of(filled((byte) 7));
    static final byte[] OUR_ID = "-EJ0001-ourpeerid123".getBytes(StandardCharsets.US_ASCII);
    static final byte[] THEIR_ID = "-LT2000-theirpeerid1".getBytes(StandardCharsets.US_ASCII);

    Vertx vertx;
    NetClient client;
    final Heard torrent = new Heard();

    static byte[] filled(byte b) {
        byte[] out = new byte[20];
        Arrays.fill(out, b);
        return out;
    }

    /** The torrent's side: what its connections tell it, in order. */
    static final class Heard implements ConnectionEvents {
        final List<String> events = new CopyOnWriteArrayList<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();

        @Override
        public void onHandshake(PeerConnection c, Handshake theirs) {
            events.add("handshake from " + new String(theirs.peerId(), StandardCharsets.US_ASCII));
            c.decoder.beforeMetadata(false);
            c.registered = true;
        }

        @Override
        public void onMessage(PeerConnection c, Message message) {
            events.add(message.getClass().getSimpleName());
        }

        @Override
        public void closed(PeerConnection c, String reason) {
            closed.complete(String.valueOf(reason));
        }
    }

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        client = vertx.createNetClient();
    }

    @AfterEach
    void stop() throws Exception {
        await(vertx.close());
    }

    PeerConnector connector(Duration handshakeTimeout) {
        return new PeerConnector("test", torrent, client, INFO_HASH, OUR_ID, 4, EngineClock.of(vertx),
                new RateLimiter(0, null), handshakeTimeout);
    }

    /** A server on a free loopback port that hands each accepted socket to {@code accepted}. */
    int listen(Consumer<NetSocket> accepted) throws Exception {
        NetServer server = vertx.createNetServer().connectHandler(accepted::accept);
        return await(server.listen(0, "127.0.0.1")).actualPort();
    }

    /** The node's peer port, handing the sockets whose handshake names the torrent to {@code connector}. */
    int peerPort(PeerConnector connector, PeerList peers) throws Exception {
        IncomingConnections.Adopter adopter = (socket, decoder, theirs) -> connector.adopt(socket, decoder, theirs, peers);
        IncomingConnections port = new IncomingConnections(vertx, infoHash -> infoHash.equals(INFO_HASH) ? adopter : null,
                () -> List.of(INFO_HASH), PeerPortLimits.defaults());
        return listen(port::accept);
    }

    /** Connects to {@code port} as the peer would and gathers what the torrent sends; completes on close. */
    CompletableFuture<Buffer> peerAt(int port, Buffer sent) throws Exception {
        CompletableFuture<Buffer> untilClosed = new CompletableFuture<>();
        Buffer received = Buffer.buffer();
        NetSocket socket = await(client.connect(port, "127.0.0.1"));
        socket.handler(received::appendBuffer);
        socket.closeHandler(v -> untilClosed.complete(received));
        socket.write(sent);
        return untilClosed;
    }

    @Test
    void aDialledPeerHearsOurHandshakeAndIsClosedWhenItsOwnDoesNotCome() throws Exception {
        Buffer atThePeer = Buffer.buffer();
        Promise<Void> peerClosed = Promise.promise();
        int port = listen(socket -> { // a peer that reads and never answers
            socket.handler(atThePeer::appendBuffer);
            socket.closeHandler(v -> peerClosed.tryComplete());
        });
        PeerConnector connector = connector(Duration.ofSeconds(1));

        long started = System.nanoTime();
        Promise<PeerLink> dialled = Promise.promise();
        vertx.getOrCreateContext().runOnContext(v ->
                connector.dial(new PeerAddress("127.0.0.1", port)).onComplete(dialled));
        await(dialled.future());

        assertThat(torrent.closed.get(20, TimeUnit.SECONDS)).isEqualTo("no handshake within 1 s");
        assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(900));
        await(peerClosed.future());
        assertThat(atThePeer).isEqualTo(Handshake.ours(INFO_HASH.bytes(), OUR_ID).encode());
        assertThat(torrent.events).isEmpty();
    }

    @Test
    void anAdoptedPeerHearsOurHandshakeAndTheTorrentHearsTheirsThenWhatFollowedIt() throws Exception {
        PeerConnector connector = connector(Duration.ofSeconds(30));
        PeerList peers = new PeerList("test", EngineOptions.defaults(), EngineClock.of(vertx), connector::dial);
        int port = peerPort(connector, peers);
        Buffer hello = Handshake.ours(INFO_HASH.bytes(), THEIR_ID).encode()
                .appendBuffer(MessageEncoder.encode(Message.Interested.INSTANCE));

        CompletableFuture<Buffer> atThePeer = peerAt(port, hello);

        Buffer ours = Handshake.ours(INFO_HASH.bytes(), OUR_ID).encode();
        for (int i = 0; i < 200 && torrent.events.size() < 2; i++) {
            Thread.sleep(50);
        }
        assertThat(torrent.events).containsExactly("handshake from -LT2000-theirpeerid1", "Interested");
        Promise<Void> closed = Promise.promise();
        vertx.getOrCreateContext().runOnContext(v -> {
            peers.stop().forEach(link -> link.close(null));
            closed.complete();
        });
        await(closed.future());
        assertThat(atThePeer.get(20, TimeUnit.SECONDS)).isEqualTo(ours);
    }

    @Test
    void anIncomingPeerThePeerListRefusesIsClosedUnheard() throws Exception {
        PeerConnector connector = connector(Duration.ofSeconds(30));
        PeerList peers = new PeerList("test", EngineOptions.defaults(), EngineClock.of(vertx), connector::dial);
        peers.stop(); // a stopped torrent admits no one
        int port = peerPort(connector, peers);

        Buffer atThePeer = peerAt(port, Handshake.ours(INFO_HASH.bytes(), THEIR_ID).encode()).get(20, TimeUnit.SECONDS);

        assertThat(atThePeer.length()).isZero();
        assertThat(torrent.events).isEmpty();
        assertThat(torrent.closed).isNotDone();
    }
}
