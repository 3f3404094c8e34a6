package org.enjambre.bencode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class BencodeTest {

    private static byte[] b(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static BencodeException refusal(String input) {
        ThrowingCallable decode = () -> Bencode.decode(b(input));
        assertThatThrownBy(decode).isInstanceOf(BencodeException.class);
        try {
            Bencode.decode(b(input));
        } catch (BencodeException e) {
            return e;
        }
        throw new AssertionError("unreachable");
    }

    private static void assertRefused(String input, long offset, String reason) {
        BencodeException e = refusal(input);
        assertThat(e.offset()).as("offset of the refusal of %s", input).isEqualTo(offset);
        assertThat(e.reason()).contains(reason);
        assertThat(e.getMessage()).isEqualTo("bencode error at byte " + offset + ": " + e.reason());
    }

    // ---- round trips ----

    @Test
    void canonicalInputDecodesAndEncodesToTheSameBytes() {
        for (String input : new String[] {
                "i0e", "i-1e", "i42e", "i9223372036854775807e", "i-9223372036854775808e",
                "0:", "4:spam", "le", "de", "l4:spami42ee", "d3:bar4:spam3:fooi42ee",
                "d1:ad1:bl1:ci1eeee", "d1:ai1e2:\u00c3\u00b1i2ee"}) {
            BValue v = Bencode.parse(b(input));
            assertThat(Bencode.encode(v)).as(input).isEqualTo(b(input));
        }
    }

    @Test
    void builtValuesEncodeWithKeysInRawByteOrderAndDecodeToEqualValues() {
        BDict d = BDict.builder()
                .put("zeta", 1)
                .put(new byte[] {(byte) 0xff}, BInt.of(2))
                .put("alpha", "text ñ")
                .put("list", BList.of(BInt.of(-5), BBytes.of(new byte[] {0, 1, 2}), BDict.builder().build()))
                .build();
        byte[] encoded = Bencode.encode(d);
        assertThat(new String(encoded, StandardCharsets.ISO_8859_1))
                .isEqualTo("d5:alpha7:text \u00c3\u00b14:listli-5e3:\u0000\u0001\u0002dee4:zetai1e1:\u00ffi2ee");
        assertThat(Bencode.parse(encoded)).isEqualTo(d);
        assertThat(((BBytes) d.get("alpha")).utf8()).isEqualTo("text ñ");
    }

    @Test
    void everyByteValueSurvivesInStrings() {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        BBytes v = (BBytes) Bencode.parse(Bencode.encode(BBytes.of(all)));
        assertThat(v.bytes()).isEqualTo(all);
    }

    @Test
    void spansGiveTheExactBytesOfEachValue() {
        byte[] input = b("d3:keyli1e4:spame1:xi-7e4:zzzzdee");
        Bencode.Decoded decoded = Bencode.decode(input);
        BDict root = (BDict) decoded.root();
        BList list = (BList) root.get("key");
        assertThat(decoded.span(root)).isEqualTo(new Span(0, input.length));
        assertThat(decoded.span(list)).isEqualTo(new Span(6, 17));
        assertThat(decoded.rawBytes(list)).isEqualTo(b("li1e4:spame"));
        assertThat(decoded.span(list.get(0))).isEqualTo(new Span(7, 10));
        assertThat(decoded.span(list.get(1))).isEqualTo(new Span(10, 16));
        assertThat(decoded.rawBytes(root.get("zzzz"))).isEqualTo(b("de"));
        assertThat(decoded.span(root.get("x"))).isEqualTo(new Span(20, 24));
        assertThat(decoded.rawBytes(root.get("x"))).isEqualTo(b("i-7e"));
    }

    @Test
    void spanOfAValueFromAnotherTreeIsRefused() {
        Bencode.Decoded decoded = Bencode.decode(b("li1ee"));
        assertThatThrownBy(() -> decoded.span(BInt.of(1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nestingUpToTheLimitIsAccepted() {
        String deepest = "l".repeat(Bencode.MAX_DEPTH) + "e".repeat(Bencode.MAX_DEPTH);
        assertThat(Bencode.encode(Bencode.parse(b(deepest)))).isEqualTo(b(deepest));
    }

    // ---- one test for each refusal, with its offset ----

    @Test
    void integerWithLeadingZeroIsRefused() {
        assertRefused("i03e", 1, "leading zero");
    }

    @Test
    void negativeZeroIsRefused() {
        assertRefused("i-0e", 0, "negative zero");
    }

    @Test
    void integerWithoutDigitsIsRefused() {
        assertRefused("ie", 0, "without digits");
        assertRefused("li1ei-ee", 4, "without digits");
    }

    @Test
    void nonDigitInIntegerIsRefused() {
        assertRefused("i1x2e", 2, "unexpected byte 'x' in integer");
    }

    @Test
    void integerTooLongOrOverflowingIsRefused() {
        assertRefused("l" + "i12345678901234567890e" + "e", 1, "does not fit in 64 bits");
        assertRefused("i9223372036854775808e", 0, "does not fit in 64 bits");
        assertRefused("i-9223372036854775809e", 0, "does not fit in 64 bits");
    }

    @Test
    void stringLengthWithLeadingZeroIsRefused() {
        assertRefused("l03:abce", 1, "string length with a leading zero");
    }

    @Test
    void stringRunningPastTheEndIsRefused() {
        assertRefused("l5:abce", 1, "runs past the end");
        assertRefused("99999999999999999999:x", 0, "exceeds the input");
    }

    @Test
    void truncatedListIsRefused() {
        assertRefused("li1e", 4, "truncated list");
    }

    @Test
    void truncatedDictionaryIsRefused() {
        assertRefused("d1:ai1e", 7, "truncated dictionary");
        assertRefused("d1:a", 4, "truncated input: expected a value");
    }

    @Test
    void truncatedIntegerIsRefused() {
        assertRefused("i12", 3, "truncated integer");
    }

    @Test
    void truncatedStringIsRefused() {
        assertRefused("1", 1, "truncated string length");
        assertRefused("4:spa", 0, "runs past the end");
    }

    @Test
    void emptyInputIsRefused() {
        assertRefused("", 0, "truncated input");
    }

    @Test
    void unsortedKeysAreRefused() {
        assertRefused("d1:bi1e1:ai2ee", 7, "keys not sorted");
    }

    @Test
    void keysAreSortedAsRawBytesNotAsText() {
        // 0xc3 (start of "ñ") sorts after 'z' as an unsigned byte.
        assertRefused("d2:\u00c3\u00b1i1e1:zi2ee", 8, "keys not sorted");
    }

    @Test
    void duplicateKeysAreRefused() {
        assertRefused("d1:ai1e1:ai2ee", 7, "duplicate dictionary key \"a\"");
    }

    @Test
    void nonStringKeyIsRefused() {
        assertRefused("di1ei2ee", 1, "key is not a byte string");
    }

    @Test
    void trailingBytesAreRefused() {
        assertRefused("i1eXY", 3, "trailing bytes");
    }

    @Test
    void nestingDeeperThanTheLimitIsRefused() {
        String tooDeep = "l".repeat(Bencode.MAX_DEPTH + 1) + "e".repeat(Bencode.MAX_DEPTH + 1);
        assertRefused(tooDeep, Bencode.MAX_DEPTH, "nesting deeper than " + Bencode.MAX_DEPTH);
    }

    @Test
    void unexpectedByteIsRefused() {
        assertRefused("lxe", 1, "unexpected byte 'x', expected a value");
        assertRefused("\u0000", 0, "unexpected byte 0x00");
    }
}
