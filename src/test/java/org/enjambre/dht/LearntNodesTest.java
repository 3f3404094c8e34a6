package org.enjambre.dht;

import static org.assertj.core.api.Assertions.assertThat;

import org.enjambre.testutil.Futures;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.enjambre.dht.KrpcMessage.Query;
import org.enjambre.dht.KrpcMessage.Response;
import org.enjambre.net.PeerAddress;
import org.junit.jupiter.api.Test;

/**
 * Routing hygiene: a node on the internet cannot point our lookups (and so our table) at our own
 * network, the loopback or link-local addresses; nodes in such places may name each other; our own
 * id is never asked. The node-level case runs a real {@link DhtNode} on a socket that only records
 * what it would send: no datagram leaves the test.
 */
class LearntNodesTest {
    static final NodeId OWN = NodeId.random();
    static final PeerAddress PUBLIC_NODE = new PeerAddress("8.8.8.8", 6881);

    static NodeInfo at(String ip) {
        return new NodeInfo(NodeId.random(), new PeerAddress(ip, 6881));
    }

    @Test
    void aPublicNodeNamesOnlyPublicNodes() {
        List<NodeInfo> named = List.of(at("10.0.0.5"), at("192.168.1.2"), at("127.0.0.1"), at("169.254.1.1"),
                at("100.64.0.1"), at("224.0.0.1"), at("fd00::1"), at("::1"), at("9.9.9.9"), at("2001:db8::1"));
        assertThat(LearntNodes.admissible(named, PUBLIC_NODE, OWN)).extracting(n -> n.address().host())
                .containsExactly("9.9.9.9", "2001:db8::1");
        assertThat(LearntNodes.refusal(at("10.0.0.5"), PUBLIC_NODE, OWN)).contains("private-network").contains("public");
    }

    @Test
    void nodesInTheSameKindOfPlaceNameEachOther() {
        PeerAddress lan = new PeerAddress("192.168.1.1", 6881);
        PeerAddress loopback = new PeerAddress("127.0.0.1", 6881);
        assertThat(LearntNodes.refusal(at("192.168.1.7"), lan, OWN)).isNull();
        assertThat(LearntNodes.refusal(at("9.9.9.9"), lan, OWN)).isNull();
        assertThat(LearntNodes.refusal(at("127.0.0.2"), lan, OWN)).isNotNull();
        assertThat(LearntNodes.refusal(at("127.0.0.2"), loopback, OWN)).isNull();
        assertThat(LearntNodes.refusal(at("10.1.2.3"), loopback, OWN)).isNull();
    }

    @Test
    void ourOwnIdIsNeverAsked() {
        NodeInfo posingAsUs = new NodeInfo(OWN, new PeerAddress("9.9.9.9", 6881));
        assertThat(LearntNodes.refusal(posingAsUs, PUBLIC_NODE, OWN)).isEqualTo("our own id");
        assertThat(LearntNodes.refusal(posingAsUs, new PeerAddress("127.0.0.1", 1), OWN)).isEqualTo("our own id");
    }

    record Sent(PeerAddress to, Query query) {
    }

    @Test
    void aLookupNeverQueriesTheLanNodesAPublicNodeNames() throws Exception {
        Vertx vertx = Vertx.vertx();
        LinkedBlockingQueue<Sent> sent = new LinkedBlockingQueue<>();
        DhtNode node = new DhtNode(vertx, DhtNode.Config.defaults(OWN, List.of()).withQueryTimeout(Duration.ofSeconds(2)),
                (to, packet) -> {
                    if (KrpcCodec.decode(packet) instanceof Query q) {
                        sent.add(new Sent(to, q));
                    }
                });
        try {
            Futures.await(node.start());
            var joined = node.bootstrap(List.of(PUBLIC_NODE));
            Sent first = sent.poll(10, TimeUnit.SECONDS);
            assertThat(first.to()).isEqualTo(PUBLIC_NODE);
            NodeId publicId = NodeId.random();
            node.receive(PUBLIC_NODE, KrpcCodec.encode(new Response(first.query().transactionId(), publicId,
                    List.of(), List.of(), List.of(), null, null)));

            // The join's lookup asks the public node, which answers with LAN, loopback and link-local
            // nodes, one posing as us, and one public node.
            Sent lookup = sent.poll(10, TimeUnit.SECONDS);
            assertThat(lookup.to()).isEqualTo(PUBLIC_NODE);
            NodeInfo honest = at("9.9.9.9");
            List<NodeInfo> named = List.of(at("10.0.0.5"), at("127.0.0.1"), at("169.254.1.1"),
                    new NodeInfo(OWN, new PeerAddress("5.6.7.8", 6881)), honest);
            node.receive(PUBLIC_NODE, KrpcCodec.encode(new Response(lookup.query().transactionId(), publicId,
                    named, List.of(), List.of(), null, null)));

            Sent next = sent.poll(10, TimeUnit.SECONDS);
            assertThat(next.to()).isEqualTo(honest.address());
            node.receive(honest.address(), KrpcCodec.encode(new Response(next.query().transactionId(), honest.id(),
                    List.of(), List.of(), List.of(), null, null)));
            assertThat(Futures.await(joined)).isEqualTo(2);
            assertThat(sent).extracting(Sent::to).allMatch(a -> a.equals(PUBLIC_NODE) || a.equals(honest.address()));

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (node.stats().nodesRefused() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(node.stats().nodesRefused()).isEqualTo(4);
        } finally {
            Futures.await(node.close());
            Futures.await(vertx.close());
        }
    }
}
