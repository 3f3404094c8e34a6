package org.enjambre.net;

import static org.enjambre.testutil.Futures.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.SocketAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UdpEndpointTest {
    private Vertx vertx;
    private UdpEndpoint node;
    private UdpEndpoint other;

    @BeforeEach
    void bind() throws Exception {
        vertx = Vertx.vertx();
        node = await(UdpEndpoint.bind(vertx, "127.0.0.1", 0));
        other = await(UdpEndpoint.bind(vertx, "127.0.0.1", 0));
    }

    @AfterEach
    void close() throws Exception {
        await(vertx.close());
    }

    @Test
    void aBencodedDictionaryIsKrpcAndAnythingElseIsTheTrackers() {
        assertThat(UdpEndpoint.kindOf(Buffer.buffer("d1:y1:qe"))).isEqualTo(UdpEndpoint.Kind.KRPC);
        assertThat(UdpEndpoint.kindOf(Buffer.buffer(new byte[] {0, 0, 0, 1, 0, 0, 0, 7})))
                .isEqualTo(UdpEndpoint.Kind.TRACKER);
        assertThat(UdpEndpoint.kindOf(Buffer.buffer())).isNull();
    }

    @Test
    void eachDatagramReachesTheReceiverOfItsKindWithItsSender() throws Exception {
        BlockingQueue<String> krpc = new LinkedBlockingQueue<>();
        BlockingQueue<String> tracker = new LinkedBlockingQueue<>();
        node.onKrpc((datagram, sender) -> krpc.add(datagram.toString() + "@" + sender.port()));
        node.onTracker((datagram, sender) -> tracker.add(datagram.length() + "@" + sender.port()));
        SocketAddress to = SocketAddress.inetSocketAddress(node.localPort(), "127.0.0.1");

        await(other.send(Buffer.buffer("d1:y1:qe"), to));
        await(other.send(Buffer.buffer(new byte[16]), to));

        assertThat(krpc.poll(5, TimeUnit.SECONDS)).isEqualTo("d1:y1:qe@" + other.localPort());
        assertThat(tracker.poll(5, TimeUnit.SECONDS)).isEqualTo("16@" + other.localPort());
    }

    @Test
    void unclaimedAndFailingDatagramsAreCountedAndTheSocketGoesOn() throws Exception {
        BlockingQueue<String> tracker = new LinkedBlockingQueue<>();
        node.onKrpc((datagram, sender) -> {
            throw new IllegalStateException("a buggy receiver");
        });
        SocketAddress to = SocketAddress.inetSocketAddress(node.localPort(), "127.0.0.1");

        await(other.send(Buffer.buffer(new byte[8]), to)); // nobody takes tracker datagrams yet
        await(other.send(Buffer.buffer("d1:y1:qe"), to)); // the receiver throws
        waitUntilUnclaimed(2);
        node.onTracker((datagram, sender) -> tracker.add("took " + datagram.length()));
        await(other.send(Buffer.buffer(new byte[8]), to));

        assertThat(tracker.poll(5, TimeUnit.SECONDS)).isEqualTo("took 8");
        assertThat(node.unclaimed()).isEqualTo(2);
    }

    private void waitUntilUnclaimed(long count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (node.unclaimed() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(node.unclaimed()).isEqualTo(count);
    }

}
