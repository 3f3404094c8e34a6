package org.enjambre.wire.ext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.BInt;
import org.junit.jupiter.api.Test;

class ExtendedHandshakeTest {

    private static byte[] b(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String s(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    @Test
    void ourHandshakeMatchesItsByteVectorAndReadsBack() throws Exception {
        ExtendedHandshake ours = ExtendedHandshake.builder().extension("ut_metadata", 1).extension("ut_pex", 2)
                .version("Enjambre 0.1.0").port(6881).reqq(250).yourIp(InetAddress.ofLiteral("127.0.0.1"))
                .metadataSize(31235).build();
        String vector = "d1:md11:ut_metadatai1e6:ut_pexi2ee13:metadata_sizei31235e1:pi6881e4:reqqi250e"
                + "1:v14:Enjambre 0.1.06:yourip4:\u007f\u0000\u0000\u0001e";
        assertThat(s(ours.encode())).isEqualTo(vector);
        assertThat(ExtendedHandshake.decode(b(vector))).isEqualTo(ours);
    }

    @Test
    void anIpv6YourIpIsSixteenBytes() throws Exception {
        ExtendedHandshake h = ExtendedHandshake.builder().yourIp(InetAddress.ofLiteral("::1")).build();
        String vector = "d1:mde6:yourip16:" + "\u0000".repeat(15) + "\u0001e";
        assertThat(s(h.encode())).isEqualTo(vector);
        assertThat(ExtendedHandshake.decode(b(vector)).yourIp()).contains(InetAddress.ofLiteral("::1"));
    }

    @Test
    void readsALibtorrentHandshakeAndKeepsTheKeysItDoesNotName() throws Exception {
        String vector = "d12:complete_agoi1e1:md11:lt_donthavei7e12:ut_holepunchi4e11:ut_metadatai2e6:ut_pexi1ee"
                + "13:metadata_sizei1234e4:reqqi500e11:upload_onlyi1e1:v18:libtorrent 2.0.8.0"
                + "6:yourip4:\u007f\u0000\u0000\u0001e";
        ExtendedHandshake h = ExtendedHandshake.decode(b(vector));
        assertThat(h.extensionIds()).isEqualTo(Map.of("lt_donthave", 7, "ut_holepunch", 4, "ut_metadata", 2, "ut_pex", 1));
        assertThat(h.idOf("ut_metadata")).isEqualTo(OptionalInt.of(2));
        assertThat(h.idOf("ut_comment")).isEmpty();
        assertThat(h.version()).contains("libtorrent 2.0.8.0");
        assertThat(h.port()).isEmpty();
        assertThat(h.reqq()).isEqualTo(OptionalInt.of(500));
        assertThat(h.metadataSize()).isEqualTo(OptionalLong.of(1234));
        assertThat(h.yourIp()).contains(InetAddress.ofLiteral("127.0.0.1"));
        assertThat(h.others()).isEqualTo(BDict.builder().put("complete_ago", 1).put("upload_only", 1).build());
        assertThat(s(h.encode())).isEqualTo(vector);
    }

    @Test
    void anIdOfZeroTurnsAnExtensionOffAndAMissingMReadsAsNone() throws Exception {
        ExtendedHandshake off = ExtendedHandshake.decode(b("d1:md6:ut_pexi0eee"));
        assertThat(off.extensionIds()).containsEntry("ut_pex", 0);
        assertThat(off.idOf("ut_pex")).isEmpty();

        ExtendedHandshake bare = ExtendedHandshake.decode(b("d1:pi0ee"));
        assertThat(bare.extensionIds()).isEmpty();
        assertThat(bare.port()).as("p = 0 says nothing").isEmpty();
        assertThat(bare.others().entries()).isEmpty();
    }

    @Test
    void refusesMalformedHandshakesWithAClearReason() {
        assertRefused("d1:md", "bencode error at byte 5");
        assertRefused("dee", "trailing bytes");
        assertRefused("li1ee", "not a bencoded dictionary");
        assertRefused("d1:mi1ee", "\"m\" is not a dictionary");
        assertRefused("d1:md11:ut_metadata1:1ee", "id of \"ut_metadata\" in \"m\" is not an integer");
        assertRefused("d1:md11:ut_metadatai256eee", "id of \"ut_metadata\" is 256, outside 0..255");
        assertRefused("d1:md11:ut_metadatai-1eee", "is -1, outside 0..255");
        assertRefused("d1:md0:i1eee", "extension name of 0 bytes");
        assertRefused("d1:md65:" + "x".repeat(65) + "i1eee", "extension name of 65 bytes");
        assertRefused("d1:p4:6881e", "\"p\" is not an integer");
        assertRefused("d1:pi65536ee", "\"p\" is 65536, outside 0..65535");
        assertRefused("d1:pi-1ee", "\"p\" is -1");
        assertRefused("d4:reqqi-5ee", "\"reqq\" is -5");
        assertRefused("d4:reqq3:500e", "\"reqq\" is not an integer");
        assertRefused("d13:metadata_sizei-1ee", "\"metadata_size\" is -1");
        assertRefused("d13:metadata_size2:10e", "\"metadata_size\" is not an integer");
        assertRefused("d1:vi1ee", "\"v\" is not a byte string");
        assertRefused("d1:v257:" + "v".repeat(257) + "e", "\"v\" of 257 bytes exceeds 256");
        assertRefused("d6:yourip5:abcdee", "\"yourip\" of 5 bytes (want 4 or 16)");
        assertRefused("d6:yourip0:e", "\"yourip\" of 0 bytes");
        assertRefused("d6:yourip17:" + "a".repeat(17) + "e", "\"yourip\" of 17 bytes exceeds 16");
        assertRefused("d6:youripi1ee", "\"yourip\" is not a byte string");
    }

    @Test
    void refusesMoreExtensionsThanTheNamedLimit() throws Exception {
        StringBuilder m = new StringBuilder("d1:md");
        for (int i = 0; i < ExtendedHandshake.MAX_EXTENSIONS + 1; i++) {
            m.append("4:x").append(String.format("%03d", i)).append("i1e");
        }
        m.append("ee");
        assertRefused(m.toString(), "129 extensions in \"m\" exceed 128");
        String atTheLimit = m.toString().replace("4:x128i1e", "");
        assertThat(ExtendedHandshake.decode(b(atTheLimit)).extensionIds()).hasSize(128);
    }

    @Test
    void theBuilderKeepsNamedKeysInTheirOwnFields() {
        assertThatThrownBy(() -> ExtendedHandshake.builder().put("metadata_size", new BInt(3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("own setter");
        assertThatThrownBy(() -> ExtendedHandshake.builder().extension("ut_pex", 256).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(s(ExtendedHandshake.builder().put("upload_only", new BInt(1)).build().encode()))
                .isEqualTo("d1:mde11:upload_onlyi1ee");
    }

    private static void assertRefused(String payload, String reason) {
        assertThatThrownBy(() -> ExtendedHandshake.decode(b(payload)))
                .isInstanceOf(ExtensionMessageException.class)
                .hasMessageStartingWith("extended handshake")
                .hasMessageContaining(reason);
    }
}
