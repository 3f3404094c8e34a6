package org.enjambre.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.enjambre.metainfo.MagnetUri;
import org.enjambre.net.PeerAddress;
import org.enjambre.net.PeerOrigin;
import org.junit.jupiter.api.Test;

class ManualSourceTest {
    @Test
    void peersNamedWithPeerOptionsReachTheSinkAsManualOnce() {
        ManualSource source = ManualSource.parse(List.of("127.0.0.1:6881", "[::1]:6882", "Seed.Example:80"));
        RecordingSink sink = new RecordingSink();
        source.start(sink);
        source.start(sink);
        assertThat(sink.received).containsExactly(
                new RecordingSink.Candidate(new PeerAddress("127.0.0.1", 6881), PeerOrigin.MANUAL),
                new RecordingSink.Candidate(new PeerAddress("::1", 6882), PeerOrigin.MANUAL),
                new RecordingSink.Candidate(new PeerAddress("seed.example", 80), PeerOrigin.MANUAL));
        assertThat(source.stop().succeeded()).isTrue();
    }

    @Test
    void aMalformedPeerOptionIsRefusedWithItsValueBeforeAnythingStarts() {
        for (String bad : List.of("127.0.0.1", "127.0.0.1:0", "::1:80", "host:99999")) {
            assertThatThrownBy(() -> ManualSource.parse(List.of("127.0.0.1:1", bad)))
                    .as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("--peer must be HOST:PORT").hasMessageContaining("'" + bad + "'");
        }
    }

    @Test
    void aMagnetsPeersBecomeManualCandidates() {
        MagnetUri magnet = MagnetUri.parse("magnet:?xt=urn:btih:" + "ab".repeat(20)
                + "&x.pe=10.0.0.7:51413&x.pe=%5B2001%3Adb8%3A%3A1%5D%3A6881");
        RecordingSink sink = new RecordingSink();
        new ManualSource(magnet.peers()).start(sink);
        assertThat(sink.received).extracting(RecordingSink.Candidate::address)
                .containsExactly(new PeerAddress("10.0.0.7", 51413), new PeerAddress("2001:db8::1", 6881));
        assertThat(sink.received).extracting(RecordingSink.Candidate::origin).containsOnly(PeerOrigin.MANUAL);
    }
}
