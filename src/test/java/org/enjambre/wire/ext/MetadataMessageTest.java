package org.enjambre.wire.ext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class MetadataMessageTest {

    private static byte[] b(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String s(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static void assertVector(MetadataMessage message, String vector) throws Exception {
        assertThat(s(MetadataMessage.encode(message))).isEqualTo(vector);
        assertThat(MetadataMessage.decode(b(vector))).contains(message);
    }

    @Test
    void requestAndRejectMatchTheirByteVectors() throws Exception {
        assertVector(new MetadataMessage.Request(0), "d8:msg_typei0e5:piecei0ee");
        assertVector(new MetadataMessage.Request(3), "d8:msg_typei0e5:piecei3ee");
        assertVector(new MetadataMessage.Reject(1), "d8:msg_typei2e5:piecei1ee");
    }

    @Test
    void dataIsTheDictionaryFollowedByThePieceBytes() throws Exception {
        assertVector(new MetadataMessage.Data(0, 5, b("abcde")), "d8:msg_typei1e5:piecei0e10:total_sizei5eeabcde");
        // The last piece of 16 KiB + 3 bytes is 3 bytes long; bytes that look like bencode are data all the same.
        assertVector(new MetadataMessage.Data(1, 16387, b("lee")), "d8:msg_typei1e5:piecei1e10:total_sizei16387eelee");
        byte[] full = new byte[MetadataMessage.PIECE_LENGTH];
        Arrays.fill(full, (byte) 'x');
        assertVector(new MetadataMessage.Data(0, 16387, full), "d8:msg_typei1e5:piecei0e10:total_sizei16387ee" + s(full));
    }

    @Test
    void anUnknownMsgTypeIsIgnoredAsBep9Asks() throws Exception {
        assertThat(MetadataMessage.decode(b("d8:msg_typei7e5:piecei0ee"))).isEmpty();
        assertThat(MetadataMessage.decode(b("d8:msg_typei7e5:piecei0eejunk"))).isEmpty();
    }

    @Test
    void extraKeysAreIgnored() throws Exception {
        assertThat(MetadataMessage.decode(b("d8:msg_typei2e5:piecei0e10:total_sizei5ee")))
                .contains(new MetadataMessage.Reject(0));
    }

    @Test
    void refusesMalformedMessagesWithAClearReason() {
        assertRefused("", "bencode error at byte 0");
        assertRefused("d8:msg_typei0e5:piecei0e", "truncated dictionary");
        assertRefused("li0ee", "not a bencoded dictionary");
        assertRefused("d5:piecei0ee", "no \"msg_type\"");
        assertRefused("d8:msg_typei0ee", "no \"piece\"");
        assertRefused("d8:msg_type1:05:piecei0ee", "\"msg_type\" is not an integer");
        assertRefused("d8:msg_typei0e5:piece1:0e", "\"piece\" is not an integer");
        assertRefused("d8:msg_typei0e5:piecei-1ee", "\"piece\" is -1, outside 0..1919");
        assertRefused("d8:msg_typei0e5:piecei1920ee", "\"piece\" is 1920");
        assertRefused("d8:msg_typei0e5:piecei0eex", "1 bytes after a request");
        assertRefused("d8:msg_typei2e5:piecei0eex", "1 bytes after a reject");
        assertRefused("d8:msg_typei1e5:piecei0eeabcde", "no \"total_size\"");
        assertRefused("d8:msg_typei1e5:piecei0e10:total_size1:5eeabcde", "\"total_size\" is not an integer");
        assertRefused("d8:msg_typei1e5:piecei0e10:total_sizei0ee", "total_size 0 outside");
        assertRefused("d8:msg_typei1e5:piecei0e10:total_sizei5eeabcd", "piece 0 of 4 bytes (want 5 of 5)");
        assertRefused("d8:msg_typei1e5:piecei0e10:total_sizei5eeabcdef", "piece 0 of 6 bytes (want 5 of 5)");
        assertRefused("d8:msg_typei1e5:piecei1e10:total_sizei5eea", "piece 1 past the 1 pieces of 5 bytes");
    }

    @Test
    void refusesMetadataClaimingMoreThanTheCap() {
        assertRefused("d8:msg_typei1e5:piecei0e10:total_sizei1073741824ee" + "x".repeat(16384),
                "total_size 1073741824 outside 1..31457280");
        assertThatThrownBy(() -> MetadataMessage.decode(b("d8:msg_typei1e5:piecei0e10:total_sizei20000ee"
                + "x".repeat(16384)), 10_000))
                .isInstanceOf(ExtensionMessageException.class).hasMessageContaining("total_size 20000 outside 1..10000");
        assertThatThrownBy(() -> MetadataMessage.decode(b("d8:msg_typei0e5:piecei1ee"), 10_000))
                .isInstanceOf(ExtensionMessageException.class).hasMessageContaining("\"piece\" is 1, outside 0..0");
    }

    @Test
    void refusesToBuildWhatItWouldRefuseToRead() {
        assertThatThrownBy(() -> new MetadataMessage.Data(0, 5, b("abc"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MetadataMessage.Request(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertRefused(String payload, String reason) {
        assertThatThrownBy(() -> MetadataMessage.decode(b(payload)))
                .isInstanceOf(ExtensionMessageException.class)
                .hasMessageStartingWith("ut_metadata message")
                .hasMessageContaining(reason);
    }
}
