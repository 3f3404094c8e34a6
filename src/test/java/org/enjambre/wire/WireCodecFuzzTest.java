package org.enjambre.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.enjambre.testutil.FuzzCorpus;
import org.junit.jupiter.api.Test;

/**
 * Fuzz target {@code wire}: a peer's byte stream, cut into reads at any points, decodes to the same
 * handshake and messages, and ends the same way (a {@link WireException} with the same reason at
 * the same frame, or the same bytes still waiting); nothing but {@link WireException} is thrown;
 * while the decoder waits for the rest of a frame, that frame's declared length is one the protocol
 * allows (checked before buffering); every decoded message encodes back to exactly its frame.
 *
 * <p>Input layout: byte 0 picks the situation (bit 0: a handshake comes first; bit 1: both sides
 * negotiated BEP 10; bits 2-3: one of four torrents), the rest is the stream.
 */
class WireCodecFuzzTest {
    static final String TARGET = "wire";
    /** Byte-by-byte feeding is quadratic in the buffer joins: only for streams up to this size. */
    private static final int MAX_BYTEWISE = 4096;

    private static final int[][] TORRENTS = {
            {1, 16384, 100},
            {9, 32768, 8 * 32768 + 5},
            {37, 16384, 37 * 16384},
            {1000, 262144, 999 * 262144 + 1},
    };

    /** How a decode of the whole stream ended: what came out, how far it got, and why it stopped. */
    record Outcome(List<Object> decoded, int consumed, WireException.Reason refusal) {
    }

    static void check(byte[] input) throws Exception {
        if (input.length == 0) {
            return;
        }
        int mode = input[0] & 0xff;
        boolean handshakeFirst = (mode & 1) != 0;
        int[] t = TORRENTS[(mode >> 2) & 3];
        WireLimits limits = limitsOf(mode, t);
        byte[] stream = Arrays.copyOfRange(input, 1, input.length);

        Outcome whole = decode(stream, new int[] {stream.length}, handshakeFirst, limits);
        Random random = new Random(Arrays.hashCode(input));
        for (int round = 0; round < 3; round++) {
            assertThat(decode(stream, randomCuts(stream.length, random), handshakeFirst, limits))
                    .as("random reads, round %d", round).isEqualTo(whole);
        }
        if (stream.length <= MAX_BYTEWISE) {
            int[] ones = new int[stream.length];
            Arrays.fill(ones, 1);
            assertThat(decode(stream, ones, handshakeFirst, limits)).as("one byte per read").isEqualTo(whole);
        }
    }

    /** Mode bits: 1 handshake first, 2 BEP 10 negotiated, 4 and 8 the torrent, 16 BEP 6 negotiated. */
    private static WireLimits limitsOf(int mode, int[] t) {
        return WireLimits.of(t[0], t[1], t[2], (mode & 2) != 0, (mode & 16) != 0);
    }

    private static int[] randomCuts(int length, Random random) {
        List<Integer> reads = new ArrayList<>();
        int left = length;
        while (left > 0) {
            int n = Math.min(left, 1 + random.nextInt(random.nextBoolean() ? 8 : 200));
            reads.add(n);
            left -= n;
        }
        return reads.stream().mapToInt(Integer::intValue).toArray();
    }

    private static Outcome decode(byte[] stream, int[] reads, boolean handshakeFirst, WireLimits limits) {
        WireDecoder decoder = handshakeFirst ? WireDecoder.expectingHandshake() : WireDecoder.forMessages(limits);
        boolean handshakeSeen = !handshakeFirst;
        List<Object> decoded = new ArrayList<>();
        int fed = 0;
        int consumed = 0;
        for (int read : reads) {
            decoder.feed(Buffer.buffer(Arrays.copyOfRange(stream, fed, fed + read)));
            fed += read;
            while (true) {
                Object next;
                try {
                    next = decoder.next();
                } catch (WireException e) {
                    // Where the decoder stands after a refusal is no matter: the connection is closed.
                    return new Outcome(decoded, consumed, e.reason());
                }
                if (next == null) {
                    assertWaitingIsAllowed(stream, consumed, fed - consumed, handshakeSeen, limits);
                    break;
                }
                int end = fed - decoder.buffered();
                byte[] frame = Arrays.copyOfRange(stream, consumed, end);
                switch (next) {
                    case Handshake h -> {
                        assertThat(handshakeSeen).as("one handshake, first").isFalse();
                        assertThat(h.encode().getBytes()).isEqualTo(frame);
                        handshakeSeen = true;
                        decoder.limits(limits);
                    }
                    case Message m -> {
                        assertThat(handshakeSeen).as("messages after the handshake").isTrue();
                        assertThat(MessageEncoder.encode(m).getBytes()).as("%s encodes to its frame", m).isEqualTo(frame);
                    }
                    default -> throw new AssertionError("decoder returned " + next);
                }
                decoded.add(next);
                consumed = end;
            }
        }
        return new Outcome(decoded, consumed, null);
    }

    /** The decoder waits: what it holds must be the start of something it could still accept. */
    private static void assertWaitingIsAllowed(byte[] stream, int at, int waiting, boolean handshakeSeen, WireLimits limits) {
        if (!handshakeSeen) {
            assertThat(waiting).isLessThan(Handshake.LENGTH);
            byte[] expected = Arrays.copyOf(Handshake.PROTOCOL, Math.min(waiting, Handshake.PROTOCOL.length));
            assertThat(Arrays.copyOfRange(stream, at, at + expected.length)).isEqualTo(expected);
            return;
        }
        if (waiting < 5) {
            return;
        }
        int length = Buffer.buffer(Arrays.copyOfRange(stream, at, at + 4)).getInt(0);
        int id = stream[at + 4] & 0xff;
        long allowed = switch (id) {
            case Message.CHOKE, Message.UNCHOKE, Message.INTERESTED, Message.NOT_INTERESTED -> 1;
            case Message.HAVE -> 5;
            case Message.REQUEST, Message.CANCEL -> 13;
            case Message.PORT -> 3;
            case Message.BITFIELD -> 1 + WireLimits.bitfieldLength(limits.pieceCount());
            case Message.PIECE -> 9 + limits.maxBlockLength();
            case Message.EXTENDED -> limits.extensionsNegotiated() ? 2 + WireLimits.MAX_EXTENDED_LENGTH : -1;
            case Message.HAVE_ALL, Message.HAVE_NONE -> limits.fastNegotiated() ? 1 : -1;
            case Message.SUGGEST_PIECE, Message.ALLOWED_FAST -> limits.fastNegotiated() ? 5 : -1;
            case Message.REJECT_REQUEST -> limits.fastNegotiated() ? 13 : -1;
            default -> -1;
        };
        assertThat(length).as("declared length of a frame with id %d being buffered", id).isPositive()
                .isLessThanOrEqualTo((int) allowed);
        assertThat(waiting).isLessThan(4 + length);
    }

    @Test
    void randomValidConversationsDecodeToTheSameMessagesWhateverTheReads() throws Exception {
        Random random = new Random(10);
        for (int round = 0; round < 300; round++) {
            int mode = random.nextInt(32);
            int[] t = TORRENTS[(mode >> 2) & 3];
            WireLimits limits = limitsOf(mode, t);
            List<Object> sent = new ArrayList<>();
            Buffer stream = Buffer.buffer().appendByte((byte) mode);
            if ((mode & 1) != 0) {
                byte[] infoHash = new byte[20];
                random.nextBytes(infoHash);
                Handshake h = Handshake.ours(infoHash, "-EJ0001-fuzzfuzzfuzz".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                sent.add(h);
                stream.appendBuffer(h.encode());
            }
            for (int i = random.nextInt(30); i > 0; i--) {
                Message m = randomMessage(random, limits);
                sent.add(m);
                stream.appendBuffer(MessageEncoder.encode(m));
            }
            byte[] input = stream.getBytes();
            check(input);
            Outcome outcome = decode(Arrays.copyOfRange(input, 1, input.length), new int[] {input.length - 1},
                    (mode & 1) != 0, limits);
            assertThat(outcome.refusal()).isNull();
            assertThat(outcome.decoded()).isEqualTo(sent);
        }
    }

    private static Message randomMessage(Random random, WireLimits limits) {
        int piece = random.nextInt(limits.pieceCount());
        int size = limits.pieceLength(piece);
        int begin = random.nextInt(size);
        int length = 1 + random.nextInt(Math.min(size - begin, WireLimits.BLOCK_LENGTH));
        if (limits.fastNegotiated() && random.nextInt(4) == 0) {
            return switch (random.nextInt(5)) {
                case 0 -> new Message.SuggestPiece(piece);
                case 1 -> Message.HaveAll.INSTANCE;
                case 2 -> Message.HaveNone.INSTANCE;
                case 3 -> new Message.RejectRequest(piece, begin, length);
                default -> new Message.AllowedFast(piece);
            };
        }
        return switch (random.nextInt(limits.extensionsNegotiated() ? 11 : 10)) {
            case 0 -> Message.KeepAlive.INSTANCE;
            case 1 -> Message.Choke.INSTANCE;
            case 2 -> Message.Unchoke.INSTANCE;
            case 3 -> Message.Interested.INSTANCE;
            case 4 -> Message.NotInterested.INSTANCE;
            case 5 -> new Message.Have(piece);
            case 6 -> {
                byte[] bits = new byte[limits.bitfieldLength()];
                random.nextBytes(bits);
                int spare = bits.length * 8 - limits.pieceCount();
                bits[bits.length - 1] &= (byte) (0xff << spare);
                yield new Message.Bitfield(bits);
            }
            case 7 -> random.nextBoolean() ? new Message.Request(piece, begin, length) : new Message.Cancel(piece, begin, length);
            case 8 -> {
                byte[] block = new byte[length];
                random.nextBytes(block);
                yield new Message.Piece(piece, begin, block);
            }
            case 9 -> new Message.Port(random.nextInt(65536));
            default -> {
                byte[] payload = new byte[random.nextInt(300)];
                random.nextBytes(payload);
                yield new Message.Extended(random.nextInt(256), payload);
            }
        };
    }

    @FuzzTest
    void peerStream(byte[] input) throws Exception {
        check(input);
    }

    @Test
    void everySeedStreamDecodesTheSameWhateverTheReads() {
        FuzzCorpus.replay(TARGET, WireCodecFuzzTest::check);
    }

    @Test
    void mutatedSeedStreamsDecodeTheSameWhateverTheReads() {
        int tried = FuzzCorpus.mutate(TARGET, 3L, 2_000,
                FuzzCorpus.tokens("\u0000\u0000\u0000\u0000", "\u0000\u0000\u0000\u0001\u0000", "\u0000\u0000\u0000\u0005\u0004",
                        "\u0000\u0000\u0000\r\u0006", "\u0000\u0000\u0000\u0003\u0009", "\u0000\u0000\u0040\u0009\u0007",
                        "\u0000\u0000\u0000\u0002\u0014", "\u00ff\u00ff\u00ff\u00ff", "\u007f\u00ff\u00ff\u00ff",
                        "\u0000\u0010\u0000\u0011", "\u0013BitTorrent protocol"),
                WireCodecFuzzTest::check);
        assertThat(tried).isPositive();
    }
}
