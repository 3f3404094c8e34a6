package org.enjambre.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerAddressTest {
    @Test
    void parsesIpv4Ipv6AndNames() {
        assertThat(PeerAddress.parse("127.0.0.1:6881")).isEqualTo(new PeerAddress("127.0.0.1", 6881));
        assertThat(PeerAddress.parse("[::1]:51413").host()).isEqualTo("::1");
        assertThat(PeerAddress.parse("[0:0:0:0:0:0:0:1]:80")).isEqualTo(PeerAddress.parse("[::1]:80"));
        assertThat(PeerAddress.parse("Tracker.Example:6969").host()).isEqualTo("tracker.example");
        assertThat(PeerAddress.parse("[2001:db8::1]:1").toString()).isEqualTo("[2001:db8::1]:1");
        assertThat(PeerAddress.parse("10.0.0.2:7").toString()).isEqualTo("10.0.0.2:7");
    }

    @Test
    void refusesMalformedAddresses() {
        for (String bad : List.of("", "host", ":80", "host:", "host:0", "host:65536", "host:x", "::1:80",
                "[::1]80", "[::1", "[nothost]:80", "[1.2.3.4]:80")) {
            assertThatThrownBy(() -> PeerAddress.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void compactFormsAreSixAndEighteenBytes() {
        PeerAddress v4 = PeerAddress.parse("10.1.2.3:6881");
        assertThat(HexFormat.of().formatHex(v4.compact())).isEqualTo("0a0102031ae1");
        assertThat(PeerAddress.fromCompact(v4.compact(), 0, 6)).isEqualTo(v4);
        PeerAddress v6 = PeerAddress.parse("[2001:db8::7]:443");
        assertThat(v6.compact()).hasSize(18);
        assertThat(PeerAddress.fromCompact(v6.compact(), 0, 18)).isEqualTo(v6);
        assertThat(v6.isIpv6()).isTrue();
        assertThatThrownBy(() -> new PeerAddress("example.org", 1).compact()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void compactListsSkipPortZeroAndRefuseRaggedLengths() {
        byte[] two = HexFormat.of().parseHex("7f0000011ae1" + "7f0000020000");
        assertThat(PeerAddress.decodeCompact(two, 6)).containsExactly(PeerAddress.parse("127.0.0.1:6881"));
        assertThatThrownBy(() -> PeerAddress.decodeCompact(new byte[7], 6)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PeerAddress.decodeCompact(new byte[18], 5)).isInstanceOf(IllegalArgumentException.class);
        List<PeerAddress> mixed = List.of(PeerAddress.parse("1.2.3.4:5"), PeerAddress.parse("[::2]:6"),
                new PeerAddress("name", 7));
        assertThat(PeerAddress.decodeCompact(PeerAddress.encodeCompact(mixed, false), 6)).containsExactly(mixed.get(0));
        assertThat(PeerAddress.decodeCompact(PeerAddress.encodeCompact(mixed, true), 18)).containsExactly(mixed.get(1));
    }

    @Test
    void socketAddressNeverResolvesNames() {
        assertThat(new PeerAddress("peer.invalid", 1).socketAddress().isUnresolved()).isTrue();
        assertThat(PeerAddress.parse("127.0.0.1:2").socketAddress().isUnresolved()).isFalse();
    }
}
