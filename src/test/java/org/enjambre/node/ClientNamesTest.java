package org.enjambre.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.enjambre.wire.PeerId;
import org.junit.jupiter.api.Test;

class ClientNamesTest {
    static String name(String id) {
        return ClientNames.of(id.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void azureusStyleIdsNameTheClientAndVersion() {
        assertThat(ClientNames.of(PeerId.generate())).isEqualTo("Enjambre 0.0.1");
        assertThat(name("-EJ0001-abcdefghijkl")).isEqualTo("Enjambre 0.0.1");
        assertThat(name("-lt0D80-abcdefghijkl")).isEqualTo("libtorrent 0.13.8");
        assertThat(name("-LT2090-abcdefghijkl")).isEqualTo("libtorrent (Rasterbar) 2.0.9");
        assertThat(name("-TR3000-abcdefghijkl")).isEqualTo("Transmission 3.00");
        assertThat(name("-qB4500-abcdefghijkl")).isEqualTo("qBittorrent 4.5.0");
        assertThat(name("-ZZ1234-abcdefghijkl")).isEqualTo("unknown (ZZ) 1.2.3.4");
    }

    @Test
    void aria2AndMainlineStylesAreRecognised() {
        assertThat(name("A2-1-36-0-abcdefghij")).isEqualTo("aria2 1.36.0");
        assertThat(name("M4-3-6--abcdefghijkl")).isEqualTo("Mainline 4.3.6");
    }

    @Test
    void unknownOrShortIdsGiveAPrintableUnknown() {
        assertThat(ClientNames.of(null)).isEqualTo("unknown");
        assertThat(ClientNames.of(new byte[3])).isEqualTo("unknown");
        assertThat(name("\u0000\u0001<script>abcdefghijkl")).isEqualTo("unknown (??<scrip)");
    }
}
