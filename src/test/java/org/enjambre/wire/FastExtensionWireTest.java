package org.enjambre.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import org.enjambre.testutil.NettyLeaks;
import org.enjambre.wire.WireException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** BEP 6 on the wire: the five fast-extension messages, allowed only when both handshakes set its bit. */
@ExtendWith(NettyLeaks.class)
class FastExtensionWireTest {
    private static final HexFormat HEX = HexFormat.of();
    /** 10 pieces of 32 KiB, the last one 1000 bytes; BEP 10 and BEP 6 negotiated. */
    private static final WireLimits FAST = WireLimits.of(10, 32768, 9L * 32768 + 1000, true, true);
    private static final WireLimits PLAIN = WireLimits.of(10, 32768, 9L * 32768 + 1000, true, false);

    private static Buffer hex(String h) {
        return Buffer.buffer(HEX.parseHex(h.replace(" ", "")));
    }

    private static void assertVector(Message message, String expectedHex) throws WireException {
        assertThat(HEX.formatHex(MessageEncoder.encode(message).getBytes())).isEqualTo(expectedHex.replace(" ", ""));
        WireDecoder decoder = WireDecoder.forMessages(FAST);
        decoder.feed(hex(expectedHex));
        assertThat(decoder.next()).isEqualTo(message);
        assertThat(decoder.next()).isNull();
        assertThat(decoder.buffered()).isZero();
    }

    private static Reason refusal(WireLimits limits, String frameHex) {
        WireDecoder decoder = WireDecoder.forMessages(limits);
        decoder.feed(hex(frameHex));
        try {
            Object item = decoder.next();
            throw new AssertionError("accepted " + item);
        } catch (WireException e) {
            return e.reason();
        }
    }

    @Test
    void everyFastExtensionMessageMatchesItsByteVector() throws Exception {
        assertVector(new Message.SuggestPiece(3), "00000005 0d 00000003");
        assertVector(Message.HaveAll.INSTANCE, "00000001 0e");
        assertVector(Message.HaveNone.INSTANCE, "00000001 0f");
        assertVector(new Message.RejectRequest(9, 0, 1000), "0000000d 10 00000009 00000000 000003e8");
        assertVector(new Message.AllowedFast(7), "00000005 11 00000007");
    }

    @Test
    void aFastMessageFromAPeerThatDidNotSetTheBitIsAProtocolError() {
        for (String frame : List.of("00000005 0d 00000003", "00000001 0e", "00000001 0f",
                "0000000d 10 00000009 00000000 000003e8", "00000005 11 00000007")) {
            assertThat(refusal(PLAIN, frame)).as(frame).isEqualTo(Reason.FAST_EXTENSION_NOT_NEGOTIATED);
        }
    }

    @Test
    void refusesFastMessagesOfTheWrongLengthFromTheirHeader() {
        assertThat(refusal(FAST, "00000002 0e")).isEqualTo(Reason.BAD_PAYLOAD_LENGTH);
        assertThat(refusal(FAST, "00000002 0f 00")).isEqualTo(Reason.BAD_PAYLOAD_LENGTH);
        assertThat(refusal(FAST, "00000004 0d 000000")).isEqualTo(Reason.BAD_PAYLOAD_LENGTH);
        assertThat(refusal(FAST, "00000006 11 00000000 00")).isEqualTo(Reason.BAD_PAYLOAD_LENGTH);
        assertThat(refusal(FAST, "0000000c 10 00000000 00000000 000040")).isEqualTo(Reason.BAD_PAYLOAD_LENGTH);
    }

    @Test
    void refusesFastMessagesThatNamePiecesOrBlocksOutsideTheTorrent() {
        assertThat(refusal(FAST, "00000005 0d 0000000a")).isEqualTo(Reason.PIECE_INDEX_OUT_OF_RANGE);
        assertThat(refusal(FAST, "00000005 11 ffffffff")).isEqualTo(Reason.PIECE_INDEX_OUT_OF_RANGE);
        assertThat(refusal(FAST, "0000000d 10 0000000a 00000000 00004000")).isEqualTo(Reason.BLOCK_OUT_OF_RANGE);
        assertThat(refusal(FAST, "0000000d 10 00000009 00000000 000003e9")).isEqualTo(Reason.BLOCK_OUT_OF_RANGE);
        assertThat(refusal(FAST, "0000000d 10 00000000 00000000 00020001")).isEqualTo(Reason.REQUEST_TOO_LONG);
    }

    @Test
    void beforeTheMetadataHaveAllIsKeptAndResolvesToEveryPieceButARejectIsRefused() throws Exception {
        WireDecoder decoder = WireDecoder.forMessages(FAST);
        decoder.beforeMetadata(true, true);
        decoder.feed(hex("00000001 0e  00000005 11 000003e7  0000000d 10 00000000 00000000 00004000"));
        assertThat(decoder.next()).isEqualTo(Message.HaveAll.INSTANCE);
        assertThat(decoder.next()).isEqualTo(new Message.AllowedFast(999));
        try {
            decoder.next();
            throw new AssertionError("accepted a reject before we could have asked for anything");
        } catch (WireException e) {
            assertThat(e.reason()).isEqualTo(Reason.BLOCK_OUT_OF_RANGE);
        }

        PendingAvailability pending = new PendingAvailability();
        assertThat(pending.isEmpty()).isTrue();
        pending.haveAll();
        assertThat(pending.isEmpty()).isFalse();
        BitSet all = new BitSet();
        all.set(0, 10);
        assertThat(pending.resolve(FAST)).isEqualTo(all);

        WireDecoder plain = WireDecoder.forMessages(FAST);
        plain.beforeMetadata(true);
        plain.feed(hex("00000001 0e"));
        try {
            plain.next();
            throw new AssertionError("accepted have all without BEP 6 negotiated");
        } catch (WireException e) {
            assertThat(e.reason()).isEqualTo(Reason.FAST_EXTENSION_NOT_NEGOTIATED);
        }
    }
}
