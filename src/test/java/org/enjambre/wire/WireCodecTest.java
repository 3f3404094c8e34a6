package org.enjambre.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.enjambre.testutil.NettyLeaks;
import org.enjambre.wire.WireException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NettyLeaks.class)
class WireCodecTest {
    private static final HexFormat HEX = HexFormat.of();
    /** 10 pieces of 32 KiB, the last one 1000 bytes: 9 * 32768 + 1000. */
    private static final WireLimits LIMITS = WireLimits.of(10, 32768, 9L * 32768 + 1000, true);

    private static Buffer hex(String h) {
        return Buffer.buffer(HEX.parseHex(h.replace(" ", "")));
    }

    private static String hex(Buffer b) {
        return HEX.formatHex(b.getBytes());
    }

    private static void assertVector(Message message, String expectedHex) throws WireException {
        Buffer encoded = MessageEncoder.encode(message);
        assertThat(hex(encoded)).isEqualTo(expectedHex.replace(" ", ""));
        WireDecoder decoder = WireDecoder.forMessages(LIMITS);
        decoder.feed(hex(expectedHex));
        Object decoded = decoder.next();
        assertThat(decoded).isEqualTo(message);
        assertThat(decoder.next()).isNull();
        assertThat(decoder.buffered()).isZero();
    }

    @Test
    void everyBep3MessageMatchesItsByteVector() throws Exception {
        assertVector(Message.KeepAlive.INSTANCE, "00000000");
        assertVector(Message.Choke.INSTANCE, "00000001 00");
        assertVector(Message.Unchoke.INSTANCE, "00000001 01");
        assertVector(Message.Interested.INSTANCE, "00000001 02");
        assertVector(Message.NotInterested.INSTANCE, "00000001 03");
        assertVector(new Message.Have(9), "00000005 04 00000009");
        assertVector(new Message.Bitfield(new byte[] {(byte) 0xff, (byte) 0xc0}), "00000003 05 ffc0");
        assertVector(new Message.Request(1, 16384, 16384), "0000000d 06 00000001 00004000 00004000");
        assertVector(new Message.Piece(2, 4, new byte[] {1, 2, 3}),
                "0000000c 07 00000002 00000004 010203");
        assertVector(new Message.Cancel(9, 0, 1000), "0000000d 08 00000009 00000000 000003e8");
        assertVector(new Message.Port(6881), "00000003 09 1ae1");
        assertVector(new Message.Extended(0, new byte[] {'d', 'e'}), "00000004 14 00 6465");
    }

    @Test
    void handshakeHasTheExtensionFastAndDhtBitsInfoHashAndPeerId() throws Exception {
        byte[] infoHash = new byte[20];
        infoHash[0] = (byte) 0xab;
        byte[] peerId = PeerId.generate();
        Handshake ours = Handshake.ours(infoHash, peerId);
        Buffer bytes = ours.encode();
        assertThat(bytes.length()).isEqualTo(68);
        assertThat(hex(bytes.getBuffer(0, 20))).isEqualTo("13426974546f7272656e742070726f746f636f6c");
        // BEP 10 (byte 5, 0x10), then BEP 6 (byte 7, 0x04) and BEP 5 (byte 7, 0x01).
        assertThat(hex(bytes.getBuffer(20, 28))).isEqualTo("0000000000100005");
        assertThat(bytes.getBytes(28, 48)).isEqualTo(infoHash);
        assertThat(bytes.getBytes(48, 68)).isEqualTo(peerId);
        assertThat(ours.supportsExtensions()).isTrue();
        assertThat(new String(peerId, 0, 8, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("-EJ0001-");
        assertThat(PeerId.generate()).isNotEqualTo(peerId);

        WireDecoder decoder = WireDecoder.expectingHandshake();
        decoder.feed(bytes.copy().appendBuffer(MessageEncoder.encode(new Message.Have(3))));
        assertThat(decoder.next()).isEqualTo(ours);
        assertThatThrownBy(decoder::next).isInstanceOf(IllegalStateException.class);
        decoder.limits(LIMITS);
        assertThat(decoder.next()).isEqualTo(new Message.Have(3));
    }

    /** A stream of every message kind, after a handshake. */
    private static List<Object> sampleStream() {
        List<Object> items = new ArrayList<>();
        items.add(Handshake.ours(new byte[20], PeerId.generate()));
        items.add(new Message.Bitfield(new byte[] {(byte) 0xa5, (byte) 0x40}));
        items.add(Message.KeepAlive.INSTANCE);
        items.add(Message.Unchoke.INSTANCE);
        items.add(Message.Interested.INSTANCE);
        items.add(new Message.Have(7));
        items.add(new Message.Request(9, 0, 1000));
        byte[] block = new byte[300];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) (i * 7);
        }
        items.add(new Message.Piece(3, 16384, block));
        items.add(new Message.Cancel(9, 0, 1000));
        items.add(new Message.Port(1));
        items.add(new Message.Extended(3, new byte[] {1, 2}));
        items.add(Message.Choke.INSTANCE);
        items.add(Message.NotInterested.INSTANCE);
        return items;
    }

    private static Buffer encodeAll(List<Object> items) {
        Buffer all = Buffer.buffer();
        for (Object item : items) {
            all.appendBuffer(item instanceof Handshake h ? h.encode() : MessageEncoder.encode((Message) item));
        }
        return all;
    }

    private static List<String> drain(WireDecoder decoder, List<String> into) throws WireException {
        Object item;
        while ((item = decoder.next()) != null) {
            if (item instanceof Handshake) {
                decoder.limits(LIMITS);
            }
            into.add(describe(item));
        }
        return into;
    }

    private static String describe(Object item) {
        if (item instanceof Message.Piece p) {
            return "piece " + p.index() + " " + p.begin() + " " + HEX.formatHex(p.block());
        }
        return item.toString() + (item instanceof Message.Bitfield b ? HEX.formatHex(b.bits()) : "");
    }

    @Test
    void framesTheSameMessagesWhereverTheStreamIsSplitInTwo() throws Exception {
        List<Object> items = sampleStream();
        List<String> expected = items.stream().map(WireCodecTest::describe).toList();
        Buffer all = encodeAll(items);
        for (int cut = 0; cut <= all.length(); cut++) {
            WireDecoder decoder = WireDecoder.expectingHandshake();
            List<String> got = new ArrayList<>();
            decoder.feed(all.getBuffer(0, cut));
            drain(decoder, got);
            decoder.feed(all.getBuffer(cut, all.length()));
            drain(decoder, got);
            assertThat(got).as("split at %d", cut).isEqualTo(expected);
            assertThat(decoder.buffered()).isZero();
        }
    }

    @Test
    void framesTheSameMessagesWhenFedOneByteAtATimeOrAllAtOnce() throws Exception {
        List<Object> items = sampleStream();
        List<String> expected = items.stream().map(WireCodecTest::describe).toList();
        Buffer all = encodeAll(items);

        WireDecoder byteByByte = WireDecoder.expectingHandshake();
        List<String> got = new ArrayList<>();
        for (int i = 0; i < all.length(); i++) {
            byteByByte.feed(all.getBuffer(i, i + 1));
            drain(byteByByte, got);
        }
        assertThat(got).isEqualTo(expected);

        WireDecoder merged = WireDecoder.expectingHandshake();
        merged.feed(all.copy());
        assertThat(drain(merged, new ArrayList<>())).isEqualTo(expected);
    }

    @Test
    void framesReadIntoPooledMemoryDecodeTheSameWhenEachReadIsDetachedAndReused() throws Exception {
        // A connection feeds reads in pooled direct memory and gives it back after each: the decoder
        // must keep nothing of a read past detach(), the split blocks above all.
        List<Object> items = sampleStream();
        List<String> expected = items.stream().map(WireCodecTest::describe).toList();
        byte[] all = encodeAll(items).getBytes();
        for (int readSize : new int[] {1, 5, 13, 100, 4096}) {
            WireDecoder decoder = WireDecoder.expectingHandshake();
            List<String> got = new ArrayList<>();
            io.netty.buffer.ByteBuf read = io.netty.buffer.Unpooled.directBuffer(readSize);
            for (int at = 0; at < all.length; at += readSize) {
                read.clear().writeBytes(all, at, Math.min(readSize, all.length - at));
                decoder.feed(io.vertx.core.internal.buffer.BufferInternal.buffer(read));
                drain(decoder, got);
                decoder.detach();
                read.setZero(0, read.capacity()); // the pool hands the memory to someone else
            }
            read.release();
            assertThat(got).as("reads of %d bytes", readSize).isEqualTo(expected);
            assertThat(decoder.buffered()).isZero();
        }
    }

    @Test
    void piecesFromNettyReadsKeepTheirReadsAliveUntilReleasedAndNothingLeaks() throws Exception {
        // The connection feeds each read as Netty gives it and releases it after detach(): a piece
        // must still hold its bytes (a block spanning reads, too), and once every piece is released
        // no read may be left referenced.
        List<Object> items = sampleStream();
        List<String> expected = items.stream().map(WireCodecTest::describe).toList();
        byte[] all = encodeAll(items).getBytes();
        for (int readSize : new int[] {1, 5, 13, 100, 4096, 20_000, all.length}) {
            WireDecoder decoder = WireDecoder.expectingHandshake();
            List<Object> decoded = new ArrayList<>();
            List<io.netty.buffer.ByteBuf> reads = new ArrayList<>();
            for (int at = 0; at < all.length; at += readSize) {
                io.netty.buffer.ByteBuf read = io.netty.buffer.Unpooled.buffer(readSize);
                read.writeBytes(all, at, Math.min(readSize, all.length - at));
                reads.add(read);
                decoder.feed(read);
                Object item;
                while ((item = decoder.next()) != null) {
                    if (item instanceof Handshake) {
                        decoder.limits(LIMITS);
                    }
                    decoded.add(item);
                }
                decoder.detach();
                read.release();
            }
            // describe() reads each block now, after every read was released by the connection
            assertThat(decoded.stream().map(WireCodecTest::describe).toList()).as("reads of %d bytes", readSize)
                    .isEqualTo(expected);
            decoded.forEach(item -> {
                if (item instanceof Message.Piece p) {
                    p.data().release();
                }
            });
            assertThat(reads).as("reads of %d bytes", readSize).allSatisfy(r -> assertThat(r.refCnt()).isZero());
        }
    }

    @Test
    void aBlockInOneReadIsThatReadsMemoryNotACopy() throws Exception {
        byte[] block = new byte[16384];
        java.util.Arrays.fill(block, (byte) 1);
        io.netty.buffer.ByteBuf read = io.netty.buffer.Unpooled.directBuffer(16397);
        read.writeBytes(MessageEncoder.encode(new Message.Piece(2, 0, block)).getBytes());
        WireDecoder decoder = WireDecoder.forMessages(LIMITS);
        decoder.feed(read);
        Message.Piece piece = (Message.Piece) decoder.next();
        read.setByte(13, 9); // the block's first byte, in the read
        assertThat(piece.data().getByte(piece.data().readerIndex())).isEqualTo((byte) 9);
        decoder.detach();
        read.release();
        assertThat(read.refCnt()).isOne();
        piece.data().release();
        assertThat(read.refCnt()).isZero();
    }

    @Test
    void aConnectionClosedInTheMiddleOfABlockLetsGoOfTheReadsItHolds() throws Exception {
        io.netty.buffer.ByteBuf read = io.netty.buffer.Unpooled.buffer(100);
        read.writeBytes(HEX.parseHex("00004009070000000200000000"));
        read.writeZero(87);
        WireDecoder decoder = WireDecoder.forMessages(LIMITS);
        decoder.feed(read);
        assertThat(decoder.next()).isNull();
        decoder.detach();
        read.release();
        assertThat(read.refCnt()).as("the block being gathered holds the read").isOne();
        assertThat(decoder.buffered()).isEqualTo(100);
        decoder.release();
        assertThat(read.refCnt()).isZero();
    }

    @Test
    void requestsAppendedToABatchAreTheBytesOfEachRequestEncodedAlone() {
        Buffer batch = Buffer.buffer();
        MessageEncoder.appendRequest(batch, 1, 16384, 16384);
        MessageEncoder.appendRequest(batch, 9, 0, 1000);
        assertThat(hex(batch)).isEqualTo(hex(MessageEncoder.encode(new Message.Request(1, 16384, 16384)))
                + hex(MessageEncoder.encode(new Message.Request(9, 0, 1000))));
        assertThat(batch.length()).isEqualTo(2 * MessageEncoder.REQUEST_FRAME_LENGTH);
    }

    @Test
    void aBlockSpanningReadsIsCheckedOnceItsHeaderIsIn() {
        // 16 KiB block of piece 12 (there are 10): refused at its 13-byte header, not after 16 KiB.
        WireDecoder decoder = WireDecoder.forMessages(LIMITS);
        decoder.feed(hex("00004009 07 0000000c 00000000 0102"));
        assertThatThrownBy(decoder::next).isInstanceOf(WireException.class)
                .extracting(e -> ((WireException) e).reason()).isEqualTo(Reason.BLOCK_OUT_OF_RANGE);
    }

    @Test
    void aLargestFrameDrippedOneByteAtATimeIsBufferedWithoutRecopyingWhatCameBefore() throws Exception {
        // A hostile peer may send a 256 KiB extended message one byte per read. Copying everything
        // buffered on every read is quadratic: 34 GB of copying for one message, minutes of CPU.
        byte[] payload = new byte[WireLimits.MAX_EXTENDED_LENGTH];
        java.util.Arrays.fill(payload, (byte) 7);
        Buffer frame = MessageEncoder.encode(new Message.Extended(3, payload));
        WireDecoder decoder = WireDecoder.forMessages(LIMITS);
        long start = System.nanoTime();
        Object item = null;
        for (int i = 0; i < frame.length(); i++) {
            decoder.feed(frame.getBuffer(i, i + 1));
            item = decoder.next();
            assertThat(item == null).isEqualTo(i < frame.length() - 1);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(item).isEqualTo(new Message.Extended(3, payload));
        assertThat(decoder.buffered()).isZero();
        // Linear buffering takes well under a second even on a loaded machine; quadratic takes minutes.
        assertThat(millis).as("milliseconds to frame %d bytes fed one at a time", frame.length()).isLessThan(15_000);
    }

    private static WireException refusal(String frameHex) {
        WireDecoder decoder = WireDecoder.forMessages(LIMITS);
        decoder.feed(hex(frameHex));
        try {
            Object item = decoder.next();
            throw new AssertionError("accepted " + item);
        } catch (WireException e) {
            return e;
        }
    }

    private static void assertRefused(String frameHex, Reason reason) {
        assertThat(refusal(frameHex).reason()).isEqualTo(reason);
    }

    @Test
    void refusesAHugeLengthFromTheFourByteHeaderAlone() {
        // Only the length prefix arrived: the decoder must refuse without waiting for 2 GiB.
        assertRefused("7fffffff", Reason.MESSAGE_TOO_LONG);
        assertRefused("80000000", Reason.MESSAGE_TOO_LONG);
        assertRefused("00100011", Reason.MESSAGE_TOO_LONG);
    }

    @Test
    void refusesABlockLongerThanWhatWeRequestFromItsHeader() {
        // 9 + 16385 bytes: one more than the 16 KiB we ever request; only 5 bytes are present.
        assertRefused("0000400a 07", Reason.MESSAGE_TOO_LONG);
        assertRefused("00000009 07 00000000 00000000", Reason.BAD_PAYLOAD_LENGTH);
    }

    @Test
    void refusesARequestLongerThan128KiB() {
        assertRefused("0000000d 06 00000000 00000000 00020001", Reason.REQUEST_TOO_LONG);
        assertRefused("0000000d 06 00000000 00000000 ffffffff", Reason.REQUEST_TOO_LONG);
    }

    @Test
    void refusesRequestsCancelsAndPiecesOutsideTheTorrent() {
        assertRefused("0000000d 06 0000000a 00000000 00004000", Reason.BLOCK_OUT_OF_RANGE); // piece 10 of 10
        assertRefused("0000000d 06 ffffffff 00000000 00004000", Reason.BLOCK_OUT_OF_RANGE);
        assertRefused("0000000d 06 00000000 00004001 00004000", Reason.BLOCK_OUT_OF_RANGE); // past 32 KiB
        assertRefused("0000000d 06 00000009 00000000 000003e9", Reason.BLOCK_OUT_OF_RANGE); // last piece is 1000
        assertRefused("0000000d 06 00000000 00000000 00000000", Reason.BLOCK_OUT_OF_RANGE); // empty
        assertRefused("0000000d 06 00000000 80000000 00004000", Reason.BLOCK_OUT_OF_RANGE); // negative begin
        assertRefused("0000000d 08 0000000b 00000000 00004000", Reason.BLOCK_OUT_OF_RANGE);
        assertRefused("0000000c 07 00000009 000003e6 010203", Reason.BLOCK_OUT_OF_RANGE);
        assertRefused("00000005 04 0000000a", Reason.PIECE_INDEX_OUT_OF_RANGE);
        assertRefused("00000005 04 ffffffff", Reason.PIECE_INDEX_OUT_OF_RANGE);
    }

    @Test
    void refusesABitfieldOfTheWrongLengthOrWithSpareBitsSet() {
        assertRefused("00000002 05 ff", Reason.BITFIELD_WRONG_LENGTH);
        assertRefused("00000004 05 ffc000", Reason.BITFIELD_WRONG_LENGTH);
        assertRefused("00000003 05 ffe0", Reason.BITFIELD_SPARE_BITS);
        assertRefused("00000003 05 ff01", Reason.BITFIELD_SPARE_BITS);
    }

    @Test
    void refusesUnknownIdsFastExtensionIdsAndWrongFixedLengths() {
        assertRefused("00000001 0a", Reason.UNKNOWN_MESSAGE_ID);
        assertRefused("00000001 0e", Reason.FAST_EXTENSION_NOT_NEGOTIATED); // BEP 6 have all: not negotiated
        assertRefused("00000001 12", Reason.UNKNOWN_MESSAGE_ID); // 18: past BEP 6
        assertRefused("00000001 ff", Reason.UNKNOWN_MESSAGE_ID);
        assertRefused("00000002 00 00", Reason.BAD_PAYLOAD_LENGTH);
        assertRefused("00000004 04 000000", Reason.BAD_PAYLOAD_LENGTH);
        assertRefused("0000000e 06 00000000 00000000 00004000 00", Reason.BAD_PAYLOAD_LENGTH);
        assertRefused("00000002 09 00", Reason.BAD_PAYLOAD_LENGTH);
    }

    @Test
    void refusesExtendedMessagesUnlessBothSidesAdvertisedBep10() {
        WireDecoder decoder = WireDecoder.forMessages(WireLimits.of(10, 32768, 9L * 32768 + 1000, false));
        decoder.feed(hex("00000003 14 00 64"));
        assertThatThrownBy(decoder::next).isInstanceOf(WireException.class)
                .extracting(e -> ((WireException) e).reason()).isEqualTo(Reason.EXTENSION_NOT_NEGOTIATED);
        assertRefused("00040003 14", Reason.MESSAGE_TOO_LONG);
        assertRefused("00000001 14", Reason.BAD_PAYLOAD_LENGTH);
    }

    @Test
    void refusesAnythingButTheBitTorrentHandshakeFromItsFirstByte() {
        WireDecoder decoder = WireDecoder.expectingHandshake();
        decoder.feed(Buffer.buffer("GET / HTTP/1.1\r\n"));
        assertThatThrownBy(decoder::next).isInstanceOf(WireException.class)
                .extracting(e -> ((WireException) e).reason()).isEqualTo(Reason.BAD_PROTOCOL);
    }
}
