package org.enjambre.metainfo;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import org.enjambre.testutil.FuzzCorpus;
import org.junit.jupiter.api.Test;

/**
 * Fuzz target {@code magnet}: a magnet link (the input read as UTF-8) is parsed or refused with a
 * {@link MetainfoException}; a parsed link written out and parsed again is the same link.
 */
class MagnetUriFuzzTest {
    static final String TARGET = "magnet";

    static void check(byte[] input) {
        String link = new String(input, StandardCharsets.UTF_8);
        MagnetUri m;
        try {
            m = MagnetUri.parse(link);
        } catch (MetainfoException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertThat(m.infoHash()).isNotNull();
        MagnetUri again = MagnetUri.parse(m.toString());
        assertThat(again).isEqualTo(m);
        assertThat(again.toString()).isEqualTo(m.toString());
    }

    @FuzzTest
    void magnetLink(byte[] input) {
        check(input);
    }

    @Test
    void everySeedLinkParsesAndRoundTripsOrIsRefusedWithAMetainfoException() {
        FuzzCorpus.replay(TARGET, MagnetUriFuzzTest::check);
    }

    @Test
    void mutatedSeedLinksParseAndRoundTripOrAreRefusedWithAMetainfoException() {
        int tried = FuzzCorpus.mutate(TARGET, 7L, 10_000,
                FuzzCorpus.tokens("&", "=", "%", "%2", "%zz", "%ff", "+", "xt=urn:btih:", "&dn=", "&tr=", "&tr.1=",
                        "&x.pe=", "[::1]:80", "[::1]", "127.0.0.1:0", ":65536", "urn:btmh:", "\u00f1", "%F0%9F%98%80"),
                MagnetUriFuzzTest::check);
        assertThat(tried).isPositive();
    }
}
