package org.enjambre.node;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.SocketAddress;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.enjambre.dht.KrpcCodec;
import org.enjambre.dht.KrpcMessage;
import org.enjambre.dht.NodeId;
import org.enjambre.net.PeerAddress;
import org.enjambre.net.UdpEndpoint;

/** One KRPC query at a time from a UDP socket on a loopback address, as a test asks a DHT node. */
final class KrpcProbe implements AutoCloseable {
    private final Vertx vertx = Vertx.vertx();
    private final UdpEndpoint socket;
    private final BlockingQueue<KrpcMessage> answers = new LinkedBlockingQueue<>();
    private final NodeId id = NodeId.random();
    private int transaction;

    KrpcProbe(String ip) throws Exception {
        socket = UdpEndpoint.bind(vertx, ip, 0).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        socket.onKrpc((datagram, sender) -> {
            try {
                KrpcMessage m = KrpcCodec.decode(datagram.getBytes());
                if (!(m instanceof KrpcMessage.Query)) {
                    answers.add(m); // a node pings a new querier back: not an answer
                }
            } catch (RuntimeException ignored) {
                // not KRPC: no answer of ours
            }
        });
    }

    /** The answer (a Response or an Error) to one query, or null when none came within {@code seconds}. */
    KrpcMessage ask(PeerAddress node, KrpcMessage.Method method, long seconds) throws Exception {
        byte[] t = {(byte) (++transaction >> 8), (byte) transaction};
        socket.send(Buffer.buffer(KrpcCodec.encode(new KrpcMessage.Query(t, id, method))),
                SocketAddress.inetSocketAddress(node.port(), node.host()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            KrpcMessage m = answers.poll(100, TimeUnit.MILLISECONDS);
            if (m != null && Arrays.equals(transactionOf(m), t)) {
                return m;
            }
        }
        return null;
    }

    private static byte[] transactionOf(KrpcMessage m) {
        return switch (m) {
            case KrpcMessage.Response r -> r.transactionId();
            case KrpcMessage.Error e -> e.transactionId();
            case KrpcMessage.Query q -> q.transactionId();
        };
    }

    @Override
    public void close() throws Exception {
        socket.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
