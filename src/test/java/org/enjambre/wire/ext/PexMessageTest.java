package org.enjambre.wire.ext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.enjambre.net.PeerAddress;
import org.enjambre.wire.ext.PexMessage.PexPeer;
import org.junit.jupiter.api.Test;

class PexMessageTest {

    private static byte[] b(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String s(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static final String IPV4_6881 = "\u007f\u0000\u0000\u0001\u001a\u00e1";
    private static final String IPV6_6882 = "\u0000".repeat(15) + "\u0001\u001a\u00e2";
    private static final String DROPPED_51413 = "\n\u0000\u0000\u0002\u00c8\u00d5";

    @Test
    void bothFamiliesWithFlagsMatchTheByteVector() throws Exception {
        PexMessage message = new PexMessage(
                List.of(new PexPeer(PeerAddress.parse("127.0.0.1:6881"), PexPeer.SEED | PexPeer.REACHABLE),
                        new PexPeer(PeerAddress.parse("[::1]:6882"), PexPeer.PREFERS_ENCRYPTION)),
                List.of(PeerAddress.parse("10.0.0.2:51413")));
        String vector = "d5:added6:" + IPV4_6881 + "7:added.f1:\u00126:added618:" + IPV6_6882 + "8:added6.f1:\u0001"
                + "7:dropped6:" + DROPPED_51413 + "8:dropped60:e";
        assertThat(s(message.encode())).isEqualTo(vector);
        PexMessage decoded = PexMessage.decode(b(vector));
        assertThat(decoded).isEqualTo(message);
        assertThat(decoded.added().get(0).has(PexPeer.SEED)).isTrue();
        assertThat(decoded.added().get(0).has(PexPeer.SUPPORTS_UTP)).isFalse();
    }

    @Test
    void missingKeysReadAsEmptyAndMissingFlagsAsNone() throws Exception {
        assertThat(PexMessage.decode(b("de"))).isEqualTo(new PexMessage(List.of(), List.of()));
        PexMessage noFlags = PexMessage.decode(b("d5:added6:" + IPV4_6881 + "e"));
        assertThat(noFlags.added()).containsExactly(new PexPeer(PeerAddress.parse("127.0.0.1:6881"), 0));
        assertThat(s(new PexMessage(List.of(), List.of()).encode()))
                .isEqualTo("d5:added0:7:added.f0:6:added60:8:added6.f0:7:dropped0:8:dropped60:e");
    }

    @Test
    void aPeerWithPortZeroIsSkippedWithItsOwnFlag() throws Exception {
        String portZero = "\u007f\u0000\u0000\u0002\u0000\u0000";
        PexMessage m = PexMessage.decode(b("d5:added12:" + portZero + IPV4_6881 + "7:added.f2:\u0001\u0002e"));
        assertThat(m.added()).containsExactly(new PexPeer(PeerAddress.parse("127.0.0.1:6881"), PexPeer.SEED));
    }

    @Test
    void refusesRaggedCompactStringsAndMismatchedFlags() {
        assertRefused("d5:added7:" + IPV4_6881 + "xe", "\"added\" of 7 bytes is not a multiple of 6");
        assertRefused("d6:added617:" + IPV6_6882.substring(1) + "e", "\"added6\" of 17 bytes is not a multiple of 18");
        assertRefused("d7:dropped5:abcdee", "\"dropped\" of 5 bytes is not a multiple of 6");
        assertRefused("d8:dropped619:" + IPV6_6882 + "xe", "\"dropped6\" of 19 bytes is not a multiple of 18");
        assertRefused("d5:added6:" + IPV4_6881 + "7:added.f2:\u0001\u0002e", "\"added.f\" has 2 flags for 1 peers");
        assertRefused("d5:added0:7:added.f1:\u0001e", "\"added.f\" has 1 flags for 0 peers");
    }

    @Test
    void refusesWrongTypesAndMalformedBencode() {
        assertRefused("d5:addedi1ee", "\"added\" is not a byte string");
        assertRefused("d5:added0:7:added.fi0ee", "\"added.f\" is not a byte string");
        assertRefused("d7:droppedlee", "\"dropped\" is not a byte string");
        assertRefused("le", "not a bencoded dictionary");
        assertRefused("d5:added", "bencode error");
    }

    @Test
    void refusesMoreThanTheNamedNumberOfPeersInOneList() throws Exception {
        String hundred = IPV4_6881.repeat(PexMessage.MAX_PEERS_PER_LIST);
        assertThat(PexMessage.decode(b("d5:added600:" + hundred + "e")).added()).hasSize(100);
        assertRefused("d5:added606:" + hundred + IPV4_6881 + "e", "\"added\" of 606 bytes exceeds 600");
        assertRefused("d7:dropped606:" + hundred + IPV4_6881 + "e", "\"dropped\" of 606 bytes exceeds 600");
    }

    @Test
    void carriesIpAddressesOnly() {
        assertThatThrownBy(() -> new PexMessage(List.of(new PexPeer(PeerAddress.parse("example.org:1"), 0)), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host names");
        assertThatThrownBy(() -> new PexPeer(PeerAddress.parse("127.0.0.1:1"), 256))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertRefused(String payload, String reason) {
        assertThatThrownBy(() -> PexMessage.decode(b(payload)))
                .isInstanceOf(ExtensionMessageException.class)
                .hasMessageStartingWith("ut_pex message")
                .hasMessageContaining(reason);
    }
}
