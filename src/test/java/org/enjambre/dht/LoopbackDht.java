package org.enjambre.dht;

import static org.enjambre.testutil.Futures.await;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.enjambre.net.PeerAddress;
import org.enjambre.net.UdpEndpoint;

/** Enjambre DHT nodes in one JVM, each on its own UDP endpoint at its own loopback address. */
final class LoopbackDht implements AutoCloseable {
    record Member(DhtNode node, UdpEndpoint endpoint, PeerAddress address) {
    }

    final Vertx vertx = Vertx.vertx();
    final List<Member> members = new ArrayList<>();

    /** A node at 127.0.0.{@code host}, on a free port. */
    Member add(int host) throws Exception {
        return addAt("127.0.0." + host);
    }

    /** A node at this loopback address, on a free port. */
    Member addAt(String ip) throws Exception {
        return addAt(ip, NodeId.random());
    }

    /** A node with this id at this loopback address, on a free port. */
    Member addAt(String ip, NodeId id) throws Exception {
        return addAt(ip, id, Duration.ofSeconds(2));
    }

    /** A node with this id and query timeout at this loopback address, on a free port. */
    Member addAt(String ip, NodeId id, Duration queryTimeout) throws Exception {
        UdpEndpoint endpoint = await(UdpEndpoint.bind(vertx, ip, 0));
        DhtNode.Config config = DhtNode.Config.defaults(id, List.of()).withQueryTimeout(queryTimeout);
        DhtNode node = await(DhtNode.open(vertx, config, endpoint));
        Member m = new Member(node, endpoint, new PeerAddress(ip, endpoint.localPort()));
        members.add(m);
        return m;
    }

    @Override
    public void close() throws Exception {
        for (Member m : members) {
            await(m.node().close());
            await(m.endpoint().close());
        }
        await(vertx.close());
    }
}
