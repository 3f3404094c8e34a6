package org.enjambre.bencode;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.enjambre.testutil.FuzzCorpus;
import org.junit.jupiter.api.Test;

/**
 * Fuzz target {@code bencode}: whatever bytes come in, the decoder answers with a value or a
 * {@link BencodeException}, nothing else; what it accepts is canonical, so encoding it gives the
 * input back byte for byte, and every dictionary's keys are in raw-byte order.
 */
class BencodeFuzzTest {
    static final String TARGET = "bencode";

    static void check(byte[] input) {
        Bencode.Decoded decoded;
        try {
            decoded = Bencode.decode(input);
        } catch (BencodeException e) {
            assertThat(e.offset()).as("offset of the refusal").isBetween(0L, (long) input.length);
            return;
        }
        assertThat(Bencode.encode(decoded.root())).as("decode then encode gives the input back").isEqualTo(input);
        assertThat(decoded.rawBytes(decoded.root())).isEqualTo(input);
        assertKeysInRawByteOrder(decoded.root());
    }

    private static void assertKeysInRawByteOrder(BValue value) {
        switch (value) {
            case BDict d -> {
                byte[] previous = null;
                for (Map.Entry<String, BValue> e : d.entries().entrySet()) {
                    byte[] key = e.getKey().getBytes(StandardCharsets.ISO_8859_1);
                    if (previous != null) {
                        assertThat(Arrays.compareUnsigned(previous, key)).as("keys in raw-byte order").isNegative();
                    }
                    previous = key;
                    assertKeysInRawByteOrder(e.getValue());
                }
            }
            case BList l -> l.values().forEach(BencodeFuzzTest::assertKeysInRawByteOrder);
            case BInt i -> { }
            case BBytes b -> { }
        }
    }

    @FuzzTest
    void bencodeDecoder(byte[] input) {
        check(input);
    }

    @Test
    void everySeedDecodesCanonicallyOrIsRefusedWithABencodeException() {
        FuzzCorpus.replay(TARGET, BencodeFuzzTest::check);
    }

    @Test
    void mutatedSeedsDecodeCanonicallyOrAreRefusedWithABencodeException() {
        int tried = FuzzCorpus.mutate(TARGET, 20261201L, 20_000,
                FuzzCorpus.tokens("i", "e", "l", "d", "-", "0", ":", "i-0e", "i01e", "01:", "19:",
                        "i9223372036854775808e", "4294967296:", "d1:a", "1:b", "le", "de"),
                BencodeFuzzTest::check);
        assertThat(tried).isPositive();
    }

    @Test
    void randomValuesEncodeToBytesThatDecodeToEqualValues() {
        Random random = new Random(16);
        for (int round = 0; round < 3_000; round++) {
            BValue value = randomValue(random, 0);
            byte[] encoded = Bencode.encode(value);
            check(encoded);
            assertThat(Bencode.parse(encoded)).isEqualTo(value);
        }
    }

    private static BValue randomValue(Random random, int depth) {
        int kind = random.nextInt(depth > 6 ? 2 : 4);
        return switch (kind) {
            case 0 -> BInt.of(switch (random.nextInt(4)) {
                case 0 -> 0;
                case 1 -> Long.MIN_VALUE;
                case 2 -> Long.MAX_VALUE;
                default -> random.nextLong() >> random.nextInt(64);
            });
            case 1 -> BBytes.of(randomBytes(random));
            case 2 -> {
                List<BValue> values = new ArrayList<>();
                for (int i = random.nextInt(5); i > 0; i--) {
                    values.add(randomValue(random, depth + 1));
                }
                yield new BList(values);
            }
            default -> {
                BDict.Builder d = BDict.builder();
                for (int i = random.nextInt(5); i > 0; i--) {
                    d.put(randomBytes(random), randomValue(random, depth + 1));
                }
                yield d.build();
            }
        };
    }

    private static byte[] randomBytes(Random random) {
        byte[] b = new byte[random.nextInt(random.nextBoolean() ? 4 : 40)];
        for (int i = 0; i < b.length; i++) {
            // Mostly a few values, so that keys collide and sort on their high bytes too.
            b[i] = random.nextBoolean() ? (byte) "a\u0000\u00ff\u0080".charAt(random.nextInt(4)) : (byte) random.nextInt(256);
        }
        return b;
    }
}
