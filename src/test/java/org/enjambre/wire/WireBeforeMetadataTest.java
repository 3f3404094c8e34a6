package org.enjambre.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.util.BitSet;
import java.util.HexFormat;
import org.enjambre.testutil.NettyLeaks;
import org.enjambre.wire.WireException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A magnet: the wire runs before the torrent's metadata is known, and what it let through is checked later. */
@ExtendWith(NettyLeaks.class)
class WireBeforeMetadataTest {
    private static final HexFormat HEX = HexFormat.of();
    /** 10 pieces of 32 KiB, the last one 1000 bytes. */
    private static final WireLimits TEN_PIECES = WireLimits.of(10, 32768, 9L * 32768 + 1000, true);

    private static WireDecoder magnetDecoder(String framesHex, boolean extensions) {
        WireDecoder decoder = WireDecoder.forMessages(TEN_PIECES);
        decoder.beforeMetadata(extensions);
        decoder.feed(Buffer.buffer(HEX.parseHex(framesHex.replace(" ", ""))));
        return decoder;
    }

    private static Reason refusal(String framesHex) {
        WireDecoder decoder = magnetDecoder(framesHex, true);
        try {
            decoder.next();
        } catch (WireException e) {
            return e.reason();
        }
        throw new AssertionError("accepted " + framesHex);
    }

    @Test
    void passesABitfieldOfAnyLengthAndHavesAndExtendedMessagesBeforeTheMetadata() throws Exception {
        WireDecoder decoder = magnetDecoder("00000004 05 ffffff  00000005 04 000003e7  00000004 14 00 6465  00000001 02",
                true);
        assertThat(decoder.next()).isEqualTo(new Message.Bitfield(HEX.parseHex("ffffff")));
        assertThat(decoder.next()).isEqualTo(new Message.Have(999));
        assertThat(decoder.next()).isEqualTo(new Message.Extended(0, new byte[] {'d', 'e'}));
        assertThat(decoder.next()).isEqualTo(Message.Interested.INSTANCE);
        assertThat(decoder.next()).isNull();
    }

    @Test
    void stillRefusesWhatNoTorrentAllowsBeforeTheMetadata() {
        assertThat(refusal("00000001 05")).isEqualTo(Reason.BITFIELD_WRONG_LENGTH); // empty bitfield
        assertThat(refusal("00000005 04 ffffffff")).isEqualTo(Reason.PIECE_INDEX_OUT_OF_RANGE);
        assertThat(refusal("00000005 04 00800078")).isEqualTo(Reason.PIECE_INDEX_OUT_OF_RANGE); // MAX_PIECE_COUNT
        assertThat(refusal("0000000d 06 00000000 00000000 00004000")).isEqualTo(Reason.BLOCK_OUT_OF_RANGE);
        assertThat(refusal("0000000d 08 00000000 00000000 00004000")).isEqualTo(Reason.BLOCK_OUT_OF_RANGE);
        assertThat(refusal("0000000c 07 00000000 00000000 010203")).isEqualTo(Reason.BLOCK_OUT_OF_RANGE);
        assertThat(refusal("00100011")).isEqualTo(Reason.MESSAGE_TOO_LONG);
        assertThat(refusal("00000001 0e")).isEqualTo(Reason.FAST_EXTENSION_NOT_NEGOTIATED);
        WireDecoder noBep10 = magnetDecoder("00000003 14 00 64", false);
        assertThatThrownBy(noBep10::next).isInstanceOfSatisfying(WireException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.EXTENSION_NOT_NEGOTIATED));
    }

    @Test
    void checksStrictlyAgainAsSoonAsTheLimitsAreGiven() throws Exception {
        WireDecoder decoder = magnetDecoder("00000005 04 00000009  00000005 04 0000000a", true);
        assertThat(decoder.next()).isEqualTo(new Message.Have(9));
        decoder.limits(TEN_PIECES);
        assertThatThrownBy(decoder::next).isInstanceOfSatisfying(WireException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.PIECE_INDEX_OUT_OF_RANGE));
    }

    @Test
    void aKeptBitfieldAndHavesResolveToThePeersPiecesOnceTheInfoArrives() throws Exception {
        PendingAvailability pending = new PendingAvailability();
        assertThat(pending.isEmpty()).isTrue();
        pending.bitfield(new Message.Bitfield(HEX.parseHex("a0c0"))); // pieces 0, 2, 8, 9
        pending.have(new Message.Have(5));
        BitSet pieces = pending.resolve(TEN_PIECES);
        assertThat(pieces.stream().toArray()).containsExactly(0, 2, 5, 8, 9);
    }

    @Test
    void aKeptBitfieldOfTheWrongLengthOrWithSpareBitsIsRefusedOnceTheInfoArrives() {
        PendingAvailability tooLong = new PendingAvailability();
        tooLong.bitfield(new Message.Bitfield(HEX.parseHex("ffc000")));
        assertThatThrownBy(() -> tooLong.resolve(TEN_PIECES)).isInstanceOfSatisfying(WireException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.BITFIELD_WRONG_LENGTH));

        PendingAvailability spare = new PendingAvailability();
        spare.bitfield(new Message.Bitfield(HEX.parseHex("ffe0")));
        assertThatThrownBy(() -> spare.resolve(TEN_PIECES)).isInstanceOfSatisfying(WireException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.BITFIELD_SPARE_BITS));
    }

    @Test
    void aKeptHavePastTheLastPieceIsRefusedOnceTheInfoArrives() throws Exception {
        PendingAvailability pending = new PendingAvailability();
        pending.have(new Message.Have(3));
        pending.have(new Message.Have(10));
        assertThatThrownBy(() -> pending.resolve(TEN_PIECES)).isInstanceOfSatisfying(WireException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.PIECE_INDEX_OUT_OF_RANGE));

        PendingAvailability lastPiece = new PendingAvailability();
        lastPiece.have(new Message.Have(9));
        assertThat(lastPiece.resolve(TEN_PIECES).stream().toArray()).containsExactly(9);
    }

    @Test
    void theDecoderRefusesToGoOnUntilItKnowsEitherWay() throws Exception {
        WireDecoder decoder = WireDecoder.expectingHandshake();
        decoder.feed(Handshake.ours(new byte[20], PeerId.generate()).encode()
                .appendBuffer(MessageEncoder.encode(new Message.Have(3))));
        assertThat(decoder.next()).isInstanceOf(Handshake.class);
        assertThatThrownBy(decoder::next).isInstanceOf(IllegalStateException.class);
        decoder.beforeMetadata(true);
        assertThat(decoder.next()).isEqualTo(new Message.Have(3));
    }
}
