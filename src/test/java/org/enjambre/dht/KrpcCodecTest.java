package org.enjambre.dht;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.enjambre.dht.KrpcMessage.AnnouncePeer;
import org.enjambre.dht.KrpcMessage.FindNode;
import org.enjambre.dht.KrpcMessage.GetPeers;
import org.enjambre.dht.KrpcMessage.Ping;
import org.enjambre.dht.KrpcMessage.Query;
import org.enjambre.dht.KrpcMessage.Response;
import org.enjambre.net.PeerAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The KRPC codec against the examples of BEP 5, and every malformed case it must refuse. */
class KrpcCodecTest {
    static final NodeId QUERIER = id("abcdefghij0123456789");
    static final NodeId OTHER = id("mnopqrstuvwxyz123456");
    static final byte[] AA = ascii("aa");

    static NodeId id(String twenty) {
        return NodeId.of(ascii(twenty));
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static KrpcMessage decode(String s) {
        return KrpcCodec.decode(ascii(s));
    }

    @Test
    void pingQueryAndAnswerAreTheBepExamples() {
        String query = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe";
        Query q = (Query) decode(query);
        assertThat(q.transactionId()).isEqualTo(AA);
        assertThat(q.sender()).isEqualTo(QUERIER);
        assertThat(q.method()).isEqualTo(new Ping());
        assertThat(KrpcCodec.encode(q)).isEqualTo(ascii(query));

        String answer = "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re";
        Response r = (Response) decode(answer);
        assertThat(r.sender()).isEqualTo(OTHER);
        assertThat(r.nodes()).isEmpty();
        assertThat(r.token()).isNull();
        assertThat(KrpcCodec.encode(r)).isEqualTo(ascii(answer));
    }

    @Test
    void findNodeQueryAndAnswerWithCompactNodes() {
        String query = "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe";
        Query q = (Query) decode(query);
        assertThat(q.method()).isEqualTo(new FindNode(OTHER));
        assertThat(KrpcCodec.encode(q)).isEqualTo(ascii(query));

        NodeInfo near = new NodeInfo(id("01234567890123456789"), new PeerAddress("127.0.0.5", 6881));
        String answer = "d1:rd2:id20:mnopqrstuvwxyz1234565:nodes26:01234567890123456789\u007f\u0000\u0000\u0005\u001a\u00e1e1:t2:aa1:y1:re";
        Response r = (Response) decode(answer);
        assertThat(r.nodes()).containsExactly(near);
        assertThat(KrpcCodec.encode(r)).isEqualTo(ascii(answer));
    }

    @Test
    void getPeersQueryAndAnswersWithValuesOrNodes() {
        String query = "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe";
        Query q = (Query) decode(query);
        assertThat(q.method()).isEqualTo(new GetPeers(OTHER));
        assertThat(KrpcCodec.encode(q)).isEqualTo(ascii(query));

        String values = "d1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re";
        Response r = (Response) decode(values);
        assertThat(r.token()).isEqualTo(ascii("aoeusnth"));
        assertThat(r.values()).containsExactly(PeerAddress.fromCompact(ascii("axje.u"), 0, 6),
                PeerAddress.fromCompact(ascii("idhtnm"), 0, 6));
        assertThat(KrpcCodec.encode(r)).isEqualTo(ascii(values));
    }

    @Test
    void announcePeerWithImpliedPortIsTheBepExample() {
        String query = "d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e"
                + "5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe";
        Query q = (Query) decode(query);
        AnnouncePeer a = (AnnouncePeer) q.method();
        assertThat(a.infoHash()).isEqualTo(OTHER);
        assertThat(a.port()).isEqualTo(6881);
        assertThat(a.impliedPort()).isTrue();
        assertThat(a.token()).isEqualTo(ascii("aoeusnth"));
        assertThat(KrpcCodec.encode(q)).isEqualTo(ascii(query));
    }

    @Test
    void announcePeerWithImpliedPortNeedsNoPort() {
        Query q = (Query) decode("d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz123456"
                + "5:token1:xe1:q13:announce_peer1:t2:aa1:y1:qe");
        assertThat(((AnnouncePeer) q.method()).impliedPort()).isTrue();
    }

    @Test
    void errorIsTheBepExample() {
        String error = "d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee";
        KrpcMessage.Error e = (KrpcMessage.Error) decode(error);
        assertThat(e.code()).isEqualTo(201);
        assertThat(e.message()).isEqualTo("A Generic Error Ocurred");
        assertThat(KrpcCodec.encode(e)).isEqualTo(ascii(error));
    }

    @Test
    void answerNamesTheRequesterAddressAndReadsItBack() {
        PeerAddress requester = new PeerAddress("127.0.0.9", 40000);
        Response r = Response.idOnly(AA, OTHER, requester);
        Response back = (Response) KrpcCodec.decode(KrpcCodec.encode(r));
        assertThat(back.requester()).isEqualTo(requester);
    }

    @Test
    void ipv6NodesAndPeersRoundTrip() {
        NodeInfo n6 = new NodeInfo(OTHER, new PeerAddress("::1", 7000));
        PeerAddress p6 = new PeerAddress("::1", 7001);
        Response r = new Response(AA, QUERIER, List.of(), List.of(n6), List.of(p6), ascii("tok"), null);
        Response back = (Response) KrpcCodec.decode(KrpcCodec.encode(r));
        assertThat(back.nodes6()).containsExactly(n6);
        assertThat(back.values()).containsExactly(p6);
    }

    @Test
    void readOnlyFlagAndUnknownKeysAreRead() {
        Query q = (Query) decode("d1:ad2:id20:abcdefghij0123456789e1:q4:ping2:roi1e1:t2:aa1:v4:LT011:y1:qe");
        assertThat(q.readOnly()).isTrue();
    }

    /** Packets that are not KRPC at all: dropped without an answer (no transaction id to answer). */
    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "not bencode",
        "i42e",
        "l1:ae",
        "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:y1:qe", // no t
        "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t0:1:y1:qe", // empty t
        "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t17:aaaaaaaaaaaaaaaaa1:y1:qe", // t too long
        "d1:t2:aa1:y1:xe", // unknown y
        "d1:t2:aa1:yi1ee", // y not a string
        "d1:rd2:id19:abcdefghij012345678e1:t2:aa1:y1:re", // response id of 19
        "d1:rd2:id20:abcdefghij01234567895:nodes25:0123456789012345678901234e1:t2:aa1:y1:re", // nodes not 26k
        "d1:rd2:id20:abcdefghij01234567896:valuesl5:axje.ee1:t2:aa1:y1:re", // value of 5 bytes
        "d1:rd2:id20:abcdefghij01234567896:values6:axje.ue1:t2:aa1:y1:re", // values not a list
        "d1:rd2:id20:abcdefghij01234567895:token0:e1:t2:aa1:y1:re", // empty token
        "d2:ip5:abcde1:rd2:id20:abcdefghij0123456789e1:t2:aa1:y1:re", // ip of 5 bytes
        "d1:e3:abc1:t2:aa1:y1:ee", // error not a list
        "d1:eli201ee1:t2:aa1:y1:ee", // error without message
        "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qeXX", // trailing bytes
        "d1:t2:aa1:y1:q1:ad2:id20:abcdefghij0123456789e1:q4:pinge", // keys out of order
    })
    void packetsThatAreNotKrpcAreRefusedWithoutAnAnswer(String packet) {
        assertThatThrownBy(() -> decode(packet)).isInstanceOfSatisfying(KrpcException.class,
                e -> assertThat(e.answerableTransactionId()).isNull());
    }

    /** Queries readable as far as their transaction id: refused, and the sender can be told why (203). */
    @ParameterizedTest
    @ValueSource(strings = {
        "d1:q4:ping1:t2:aa1:y1:qe", // no a
        "d1:a3:abc1:q4:ping1:t2:aa1:y1:qe", // a not a dict
        "d1:ad2:id19:abcdefghij012345678e1:q4:ping1:t2:aa1:y1:qe", // id of 19
        "d1:ad2:id20:abcdefghij0123456789e1:q9:find_node1:t2:aa1:y1:qe", // no target
        "d1:ad2:id20:abcdefghij01234567899:info_hash3:abce1:q9:get_peers1:t2:aa1:y1:qe", // short info_hash
        "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234565:token1:xe1:q13:announce_peer1:t2:aa1:y1:qe",
        "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti0e5:token1:xe1:q13:announce_peer1:t2:aa1:y1:qe",
        "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti70000e5:token1:xe1:q13:announce_peer1:t2:aa1:y1:qe",
        "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti6881ee1:q13:announce_peer1:t2:aa1:y1:qe",
    })
    void malformedQueriesAreRefusedAsProtocolErrors(String packet) {
        assertThatThrownBy(() -> decode(packet)).isInstanceOfSatisfying(KrpcException.class, e -> {
            assertThat(e.code()).isEqualTo(KrpcMessage.Error.PROTOCOL);
            assertThat(e.answerableTransactionId()).isEqualTo(AA);
        });
    }

    @Test
    void unknownMethodIsMethodUnknown() {
        assertThatThrownBy(() -> decode("d1:ad2:id20:abcdefghij0123456789e1:q5:vote\u00001:t2:aa1:y1:qe"))
                .isInstanceOfSatisfying(KrpcException.class, e -> {
                    assertThat(e.code()).isEqualTo(KrpcMessage.Error.METHOD_UNKNOWN);
                    assertThat(e.getMessage()).doesNotContain("\u0000");
                });
    }

    @Test
    void oversizedPacketIsRefusedBeforeParsing() {
        assertThatThrownBy(() -> KrpcCodec.decode(new byte[KrpcCodec.MAX_PACKET + 1])).isInstanceOf(KrpcException.class);
    }
}
