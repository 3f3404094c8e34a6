package org.enjambre.bencode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BencodePrefixTest {

    private static byte[] b(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void returnsTheLeadingDictionaryAndWhereTheRawBytesBegin() {
        byte[] input = b("d8:msg_typei1e5:piecei0e10:total_sizei5eeabcde");
        Bencode.Prefix prefix = Bencode.decodePrefix(input);
        assertThat(prefix.value()).isEqualTo(BDict.builder().put("msg_type", 1).put("piece", 0)
                .put("total_size", 5).build());
        assertThat(prefix.end()).isEqualTo(41);
        assertThat(new String(Arrays.copyOfRange(input, prefix.end(), input.length), StandardCharsets.ISO_8859_1))
                .isEqualTo("abcde");
    }

    @Test
    void aValueWithNothingAfterItEndsAtTheEndOfTheInput() {
        assertThat(Bencode.decodePrefix(b("i42e"))).isEqualTo(new Bencode.Prefix(new BInt(42), 4));
        assertThat(Bencode.decodePrefix(b("4:spam")).end()).isEqualTo(6);
        assertThat(Bencode.decodePrefix(b("le")).end()).isEqualTo(2);
    }

    @Test
    void trailingBytesMayLookLikeBencodeOrNotAtAll() {
        assertThat(Bencode.decodePrefix(b("dei1e")).end()).isEqualTo(2);
        assertThat(Bencode.decodePrefix(b("de\u0000\u00ff")).end()).isEqualTo(2);
        assertThat(Bencode.decodePrefix(b("4:spamxyz")).value()).isEqualTo(BBytes.of("spam"));
    }

    @Test
    void startsAtAGivenOffsetAndNamesOffsetsInTheWholeInput() {
        byte[] input = b("XXi7eYY");
        assertThat(Bencode.decodePrefix(input, 2)).isEqualTo(new Bencode.Prefix(new BInt(7), 5));
        assertThatThrownBy(() -> Bencode.decodePrefix(b("XXi07e"), 2))
                .isInstanceOf(BencodeException.class).hasMessage("bencode error at byte 3: integer with a leading zero");
        assertThatThrownBy(() -> Bencode.decodePrefix(input, 8)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Bencode.decodePrefix(input, -1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void isAsStrictAsTheWholeInputDecoderInsideTheValue() {
        assertRefused("d5:piecei0e8:msg_typei1eeabc", 11, "dictionary keys not sorted");
        assertRefused("d1:ai1e1:ai2eexyz", 7, "duplicate dictionary key");
        assertRefused("i-0eabc", 0, "negative zero");
        assertRefused("03:abcxyz", 0, "leading zero");
        assertRefused("d8:msg_typei1e", 14, "truncated dictionary");
        assertRefused("", 0, "truncated input");
        assertRefused("x", 0, "unexpected byte 'x'");
        assertRefused("5:abc", 0, "runs past the end");
        assertRefused("l".repeat(Bencode.MAX_DEPTH + 1) + "e".repeat(Bencode.MAX_DEPTH + 1) + "tail",
                Bencode.MAX_DEPTH, "nesting deeper");
    }

    private static void assertRefused(String input, long offset, String reason) {
        assertThatThrownBy(() -> Bencode.decodePrefix(b(input)))
                .isInstanceOfSatisfying(BencodeException.class, e -> {
                    assertThat(e.offset()).as("offset for %s", input).isEqualTo(offset);
                    assertThat(e.reason()).contains(reason);
                });
    }
}
