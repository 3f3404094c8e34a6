package org.enjambre.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.enjambre.wire.Handshake;
import org.junit.jupiter.api.Test;

class WireTimelineTest {
    private static Handshake from(byte[] peerId) {
        return Handshake.ours(new byte[20], peerId);
    }

    @Test
    void theHandshakeLineNamesTheClientFromItsPeerIdPrefix() {
        byte[] id = Arrays.copyOf("-LT2080-".getBytes(StandardCharsets.US_ASCII), 20);
        assertThat(WireTimeline.client(from(id))).isEqualTo("-LT2080-");
    }

    @Test
    void bytesThatAreNotPrintableShowAsQuestionMarksSoALogLineStaysOneLine() {
        byte[] id = new byte[20];
        id[0] = 'M';
        id[1] = '\n';
        id[2] = (byte) 0xe9;
        id[3] = ' ';
        assertThat(WireTimeline.client(from(id))).isEqualTo("M???????");
    }
}
