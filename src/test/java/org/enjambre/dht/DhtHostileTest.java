package org.enjambre.dht;

import static org.assertj.core.api.Assertions.assertThat;
import static org.enjambre.testutil.Futures.await;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.enjambre.dht.KrpcMessage.AnnouncePeer;
import org.enjambre.dht.KrpcMessage.GetPeers;
import org.enjambre.dht.KrpcMessage.Ping;
import org.enjambre.dht.KrpcMessage.Query;
import org.enjambre.dht.KrpcMessage.Response;
import org.enjambre.net.PeerAddress;
import org.enjambre.net.UdpEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A node under fire from a raw UDP socket: floods, garbage, forged announces. Counted, refused, still serving. */
class DhtHostileTest {
    final LoopbackDht dht = new LoopbackDht();
    LoopbackDht.Member target;
    UdpEndpoint attacker;
    final BlockingQueue<KrpcMessage> answers = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        target = dht.add(1);
        attacker = await(UdpEndpoint.bind(dht.vertx, "127.0.0.66", 0));
        attacker.onKrpc(this::collectAnswer);
    }

    void collectAnswer(Buffer datagram, SocketAddress sender) {
        KrpcMessage m = KrpcCodec.decode(datagram.getBytes());
        if (!(m instanceof Query)) {
            answers.add(m); // the target pings a new querier back: not an answer
        }
    }

    @AfterEach
    void stop() throws Exception {
        await(attacker.close());
        dht.close();
    }

    void send(byte[] packet) throws Exception {
        await(attacker.send(Buffer.buffer(packet), SocketAddress.inetSocketAddress(target.address().port(), "127.0.0.1")));
    }

    void send(KrpcMessage message) throws Exception {
        send(KrpcCodec.encode(message));
    }

    KrpcMessage nextAnswer() throws InterruptedException {
        KrpcMessage m = answers.poll(10, TimeUnit.SECONDS);
        assertThat(m).as("an answer").isNotNull();
        return m;
    }

    static void eventually(BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 100 && !condition.getAsBoolean(); i++) {
            Thread.sleep(100);
        }
        assertThat(condition.getAsBoolean()).isTrue();
    }

    /** A ping from a second, honest node: the target still answers. */
    void targetStillAnswers() throws Exception {
        LoopbackDht.Member honest = dht.add(2);
        assertThat(await(honest.node().ping(target.address()))).isTrue();
    }

    @Test
    void aFloodFromOneAddressIsCutToItsRateAndOthersAreStillServed() throws Exception {
        NodeId attackerId = NodeId.random();
        long started = System.nanoTime();
        for (int i = 0; i < 500; i++) {
            send(new Query(new byte[] {(byte) (i >> 8), (byte) i}, attackerId, new Ping()));
            if (i % 25 == 24) {
                // A millisecond now and then, so that the kernel's receive buffer (rmem_default, about
                // 200 small datagrams) does not drop the flood before the node sees it: a 500-datagram
                // flood still lasts far under a second, against a rate of 20 a second.
                Thread.sleep(1);
            }
        }
        // UDP may lose some of the flood on the way in; most of what arrives must be dropped.
        eventually(() -> target.node().stats().rateLimited() >= 300);
        double seconds = (System.nanoTime() - started) / 1e9;
        DhtStats stats = target.node().stats();
        assertThat(stats.queriesReceived()).as("answered: the burst and the rate, no more")
                .isLessThanOrEqualTo((long) (50 + 20 * (seconds + 1)));
        targetStillAnswers();
    }

    @Test
    void malformedPacketsAreCountedAndTheSocketKeepsWorking() throws Exception {
        List<String> garbage = List.of("x", "de", "d1:t2:aa1:y1:qe", "d1:ad2:id3:abce1:q4:ping1:t2:bb1:y1:qe",
                "d1:ad2:id20:abcdefghij0123456789e1:q4:nope1:t2:cc1:y1:qe", "li1ei2ee", "d1:rd2:id5:shorte1:t2:aa1:y1:re");
        for (String g : garbage) {
            send(g.getBytes(StandardCharsets.ISO_8859_1));
        }
        // The three queries with a readable transaction id are told why: 203 for no method and for the bad id, 204 for the method.
        List<Integer> codes = List.of(((KrpcMessage.Error) nextAnswer()).code(), ((KrpcMessage.Error) nextAnswer()).code(),
                ((KrpcMessage.Error) nextAnswer()).code());
        assertThat(codes).containsExactlyInAnyOrder(203, 203, 204);
        // Only datagrams starting with 'd' reach the DHT (the endpoint gives the rest to the tracker side).
        long dictionaries = garbage.stream().filter(g -> g.startsWith("d")).count();
        eventually(() -> target.node().stats().malformed() == dictionaries);
        assertThat(target.endpoint().unclaimed()).isEqualTo(garbage.size() - dictionaries);
        targetStillAnswers();
    }

    @Test
    void aForgedAnnounceIsRefusedAndStoresNothing() throws Exception {
        NodeId me = NodeId.random();
        NodeId infoHash = NodeId.random();
        send(new Query(new byte[] {1}, me, new AnnouncePeer(infoHash, 6881, false, "forged!!".getBytes())));
        KrpcMessage.Error refused = (KrpcMessage.Error) nextAnswer();
        assertThat(refused.code()).isEqualTo(KrpcMessage.Error.PROTOCOL);
        assertThat(refused.message()).isEqualTo("bad token");

        // An honest node's announce is stored.
        LoopbackDht.Member other = dht.add(3);
        await(other.node().bootstrap(List.of(target.address())));
        assertThat(await(other.node().announce(infoHash, 7000)).announcedTo()).isEqualTo(1);

        send(new Query(new byte[] {2}, me, new GetPeers(infoHash)));
        Response answer = (Response) nextAnswer();
        assertThat(answer.token()).isNotNull();
        assertThat(answer.values()).containsExactly(new PeerAddress("127.0.0.3", 7000));

        // A token given to another address is as bad as a forged one.
        UdpEndpoint accomplice = await(UdpEndpoint.bind(dht.vertx, "127.0.0.67", 0));
        accomplice.onKrpc(this::collectAnswer);
        await(accomplice.send(Buffer.buffer(KrpcCodec.encode(new Query(new byte[] {5}, NodeId.random(),
                new AnnouncePeer(infoHash, 6881, false, answer.token())))),
                SocketAddress.inetSocketAddress(target.address().port(), "127.0.0.1")));
        assertThat(((KrpcMessage.Error) nextAnswer()).message()).isEqualTo("bad token");
        await(accomplice.close());
        eventually(() -> target.node().stats().badTokens() == 2);

        // With the token it was given, the same address is stored.
        send(new Query(new byte[] {3}, me, new AnnouncePeer(infoHash, 6881, false, answer.token())));
        assertThat(nextAnswer()).isInstanceOf(Response.class);
        send(new Query(new byte[] {4}, me, new GetPeers(infoHash)));
        assertThat(((Response) nextAnswer()).values())
                .containsExactlyInAnyOrder(new PeerAddress("127.0.0.3", 7000), new PeerAddress("127.0.0.66", 6881));
        targetStillAnswers();
    }
}
