package org.enjambre.tracker.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InfoHashTest {

    @Test
    void bytesAndHexRoundTripAndNameTheSameKey() {
        Random random = new Random(20);
        for (int i = 0; i < 200; i++) {
            byte[] bytes = new byte[20];
            random.nextBytes(bytes);
            String hex = HexFormat.of().formatHex(bytes);
            InfoHash key = InfoHash.of(bytes);
            assertThat(key.bytes()).isEqualTo(bytes);
            assertThat(key.hex()).isEqualTo(hex);
            assertThat(InfoHash.fromHex(hex)).isEqualTo(key).hasSameHashCodeAs(key);
            byte[] framed = new byte[30];
            System.arraycopy(bytes, 0, framed, 7, 20);
            assertThat(InfoHash.of(framed, 7)).isEqualTo(key);
        }
    }

    @Test
    void keysSortAsTheirHexDoes() {
        Random random = new Random(21);
        List<InfoHash> keys = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            byte[] bytes = new byte[20];
            random.nextBytes(bytes);
            // Shared prefixes, so that the later fields decide too.
            if (i % 3 == 0) {
                Arrays.fill(bytes, 0, 8, (byte) 0xff);
            }
            if (i % 5 == 0) {
                Arrays.fill(bytes, 8, 16, (byte) 0x80);
            }
            keys.add(InfoHash.of(bytes));
        }
        List<String> byKey = keys.stream().sorted().map(InfoHash::hex).toList();
        List<String> byHex = keys.stream().map(InfoHash::hex).sorted().toList();
        assertThat(byKey).isEqualTo(byHex);
    }

    @Test
    void onlyFortyLowercaseHexDigitsAreAnInfoHash() {
        String good = "0123456789abcdef0123456789abcdef01234567";
        assertThat(InfoHash.fromHex(good)).isNotNull();
        assertThat(InfoHash.fromHex(good.toUpperCase())).isNull();
        assertThat(InfoHash.fromHex(good.substring(1))).isNull();
        assertThat(InfoHash.fromHex(good + "0")).isNull();
        assertThat(InfoHash.fromHex(good.replace('7', 'g'))).isNull();
        assertThat(InfoHash.fromHex(null)).isNull();
        assertThatThrownBy(() -> InfoHash.of(new byte[19])).hasMessageContaining("20 bytes");
        assertThatThrownBy(() -> InfoHash.of(new byte[25], 6)).hasMessageContaining("20 bytes");
    }
}
