package org.enjambre.dht;

import java.util.List;
import org.enjambre.net.PeerAddress;

/**
 * One KRPC message (BEP 5): a query, its response, or an error, each naming the transaction id
 * the querying node chose. The codec is {@link KrpcCodec}.
 */
public sealed interface KrpcMessage permits KrpcMessage.Query, KrpcMessage.Response, KrpcMessage.Error {
    /** The opaque transaction id ({@code t}) the querying node chose; echoed in the answer. */
    byte[] transactionId();

    /**
     * A query ({@code y=q}).
     *
     * @param sender   the querying node's id ({@code a.id})
     * @param method   what is asked
     * @param readOnly BEP 43: the sender will not answer queries, so it does not belong in routing tables
     */
    record Query(byte[] transactionId, NodeId sender, Method method, boolean readOnly) implements KrpcMessage {
        public Query(byte[] transactionId, NodeId sender, Method method) {
            this(transactionId, sender, method, false);
        }
    }

    /** What a query asks; the method name on the wire is {@link #name()}. */
    sealed interface Method permits Ping, FindNode, GetPeers, AnnouncePeer {
        String name();
    }

    record Ping() implements Method {
        @Override
        public String name() {
            return "ping";
        }
    }

    record FindNode(NodeId target) implements Method {
        @Override
        public String name() {
            return "find_node";
        }
    }

    record GetPeers(NodeId infoHash) implements Method {
        @Override
        public String name() {
            return "get_peers";
        }
    }

    /**
     * @param port        the TCP port the peer listens on; ignored when {@code impliedPort}
     * @param impliedPort use the UDP source port of the query instead (peers behind NAT)
     * @param token       the token the queried node gave in its {@code get_peers} answer
     */
    record AnnouncePeer(NodeId infoHash, int port, boolean impliedPort, byte[] token) implements Method {
        @Override
        public String name() {
            return "announce_peer";
        }
    }

    /**
     * A response ({@code y=r}). Which keys are present depends on the query answered; absent lists
     * are empty and an absent token is null.
     *
     * @param requester BEP 42: the address the responder saw the query come from ({@code ip}), or null
     */
    record Response(byte[] transactionId, NodeId sender, List<NodeInfo> nodes, List<NodeInfo> nodes6,
                    List<PeerAddress> values, byte[] token, PeerAddress requester) implements KrpcMessage {
        public Response {
            nodes = List.copyOf(nodes);
            nodes6 = List.copyOf(nodes6);
            values = List.copyOf(values);
        }

        /** An answer to ping or announce_peer: the responder's id alone. */
        public static Response idOnly(byte[] transactionId, NodeId sender, PeerAddress requester) {
            return new Response(transactionId, sender, List.of(), List.of(), List.of(), null, requester);
        }
    }

    /**
     * An error ({@code y=e}): 201 generic, 202 server, 203 protocol (malformed, bad token), 204
     * method unknown.
     */
    record Error(byte[] transactionId, int code, String message) implements KrpcMessage {
        public static final int GENERIC = 201;
        public static final int SERVER = 202;
        public static final int PROTOCOL = 203;
        public static final int METHOD_UNKNOWN = 204;
    }
}
