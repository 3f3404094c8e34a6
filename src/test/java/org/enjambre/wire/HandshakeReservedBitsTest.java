package org.enjambre.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HandshakeReservedBitsTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] INFO_HASH = HEX.parseHex("0102030405060708090a0b0c0d0e0f1011121314");
    private static final byte[] PEER_ID = "-EJ0001-abcdefghijkl".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static String reservedHex(Handshake h) {
        return HEX.formatHex(h.encode().getBytes(20, 28));
    }

    private static Handshake withReserved(String reservedHex) throws WireException {
        Buffer bytes = Buffer.buffer(HEX.parseHex("13426974546f7272656e742070726f746f636f6c"))
                .appendBytes(HEX.parseHex(reservedHex)).appendBytes(INFO_HASH).appendBytes(PEER_ID);
        return Handshake.decode(bytes, 0);
    }

    @Test
    void eachNamedBitSitsWhereItsBepPutsIt() {
        assertThat(reservedHex(Handshake.withBits(Set.of(ReservedBit.EXTENSION_PROTOCOL), INFO_HASH, PEER_ID)))
                .isEqualTo("0000000000100000");
        assertThat(reservedHex(Handshake.withBits(Set.of(ReservedBit.DHT), INFO_HASH, PEER_ID)))
                .isEqualTo("0000000000000001");
        assertThat(reservedHex(Handshake.withBits(Set.of(ReservedBit.FAST_EXTENSION), INFO_HASH, PEER_ID)))
                .isEqualTo("0000000000000004");
        assertThat(reservedHex(Handshake.withBits(EnumSet.allOf(ReservedBit.class), INFO_HASH, PEER_ID)))
                .isEqualTo("0000000000100005");
        assertThat(reservedHex(Handshake.withBits(Set.of(), INFO_HASH, PEER_ID))).isEqualTo("0000000000000000");
    }

    @Test
    void oursSetsTheExtensionProtocolTheFastExtensionTheDhtAndNothingWeDoNotImplement() {
        Handshake ours = Handshake.ours(INFO_HASH, PEER_ID);
        assertThat(reservedHex(ours)).isEqualTo("0000000000100005");
        assertThat(ours.bits()).containsExactlyInAnyOrder(ReservedBit.EXTENSION_PROTOCOL, ReservedBit.FAST_EXTENSION,
                ReservedBit.DHT);
        assertThat(ours.supportsExtensions()).isTrue();
    }

    @Test
    void readsTheBitsOfALibtorrentHandshakeByName() throws Exception {
        // libtorrent 2.0 sets BEP 10, DHT and the fast extension, plus 0x08 in byte 7 (its "v2 upgrade") and
        // 0x80 in byte 0 (LTEP's old "azureus messaging"), which have no name here and must be kept.
        Handshake theirs = withReserved("8000000000100d0d".substring(0, 16));
        assertThat(theirs.has(ReservedBit.EXTENSION_PROTOCOL)).isTrue();
        assertThat(theirs.has(ReservedBit.DHT)).isTrue();
        assertThat(theirs.has(ReservedBit.FAST_EXTENSION)).isTrue();
        assertThat(theirs.bits()).containsExactlyInAnyOrder(ReservedBit.values());
        assertThat(reservedHex(theirs)).isEqualTo("8000000000100d0d");

        Handshake plain = withReserved("0000000000000000");
        assertThat(plain.bits()).isEmpty();
        assertThat(plain.supportsExtensions()).isFalse();
    }

    @Test
    void settingABitByNameKeepsTheOthers() throws Exception {
        Handshake theirs = withReserved("8000000000000000").with(ReservedBit.FAST_EXTENSION);
        assertThat(reservedHex(theirs)).isEqualTo("8000000000000004");
        assertThat(reservedHex(theirs.with(ReservedBit.DHT).with(ReservedBit.EXTENSION_PROTOCOL)))
                .isEqualTo("8000000000100005");
        assertThat(theirs.infoHash()).isEqualTo(INFO_HASH);
        assertThat(theirs.peerId()).isEqualTo(PEER_ID);
    }
}
