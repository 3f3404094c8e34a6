package org.enjambre.tracker.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SipHashTest {
    private static final long K0 = 0x0706050403020100L;
    private static final long K1 = 0x0f0e0d0c0b0a0908L;

    /** The reference vectors of the SipHash paper (key 00..0f, messages 00..len-1). */
    @Test
    void matchesTheReferenceVectors() {
        byte[] message = new byte[64];
        for (int i = 0; i < message.length; i++) {
            message[i] = (byte) i;
        }
        assertThat(SipHash.hash(K0, K1, message, 0, 0)).isEqualTo(0x726fdb47dd0e0e31L);
        assertThat(SipHash.hash(K0, K1, message, 0, 8)).isEqualTo(0x93f5f5799a932462L);
        assertThat(SipHash.hash(K0, K1, message, 0, 15)).isEqualTo(0xa129ca6149be45e5L);
        assertThat(SipHash.hash(K0, K1, message, 0, 16)).isEqualTo(0x3f2acc7f57c29bdbL);
        assertThat(SipHash.keyHalf(message, 0)).isEqualTo(K0);
        assertThat(SipHash.keyHalf(message, 1)).isEqualTo(K1);
    }

    @Test
    void wordsHashAsTheirLittleEndianBytes() {
        Random random = new Random(15);
        byte[] bytes = new byte[32];
        for (int trial = 0; trial < 100; trial++) {
            random.nextBytes(bytes);
            long[] m = new long[4];
            for (int w = 0; w < 4; w++) {
                m[w] = SipHash.keyHalf(bytes, w); // the little-endian word at 8 * w
            }
            for (int words = 0; words <= 4; words++) {
                assertThat(SipHash.hashWords(K0, K1, m[0], m[1], m[2], m[3], words))
                        .isEqualTo(SipHash.hash(K0, K1, bytes, 0, 8 * words));
            }
        }
    }

    @Test
    void aStringHashesAsItsUtf8Bytes() {
        Random random = new Random(14);
        for (int length = 0; length <= 24; length++) {
            StringBuilder ascii = new StringBuilder();
            for (int i = 0; i < length; i++) {
                ascii.append((char) (0x20 + random.nextInt(0x5f)));
            }
            for (String text : new String[] {ascii.toString(), ascii + "\u00e9", "\u20ac" + ascii, ascii + "\ud83d\ude00"}) {
                byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                assertThat(SipHash.hash(K0, K1, text)).as(text).isEqualTo(SipHash.hash(K0, K1, utf8, 0, utf8.length));
            }
        }
    }
}
