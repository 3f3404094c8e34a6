package org.enjambre.tracker.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.enjambre.net.PeerAddress;
import org.junit.jupiter.api.Test;

/**
 * The compact peer strings (BEP 23 {@code peers}, BEP 7 {@code peers6}) as the server wrote and
 * the client read them before both moved onto {@link PeerAddress}: the same bytes, both ways.
 */
public class CompactPeersVectorTest {
    /** 10.0.0.1:6881 then 192.168.1.200:51413, 6 bytes each. */
    public static final String PEERS_HEX = "0a0000011ae1" + "c0a801c8c8d5";
    /** [2001:db8::1]:6881, 18 bytes. */
    public static final String PEERS6_HEX = "20010db8000000000000000000000001" + "1ae1";
    public static final List<PeerAddress> IPV4 = List.of(new PeerAddress("10.0.0.1", 6881),
            new PeerAddress("192.168.1.200", 51413));
    public static final PeerAddress IPV6 = new PeerAddress("2001:db8::1", 6881);

    static final HexFormat HEX = HexFormat.of();

    static PeerEntry entry(PeerAddress address, char id) {
        return new PeerEntry(address, ("-EJ0001-" + String.valueOf(id).repeat(12)).getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void serverPacksIpv4AndIpv6PeersIntoTheRecordedBytes() {
        AnnounceAnswer packed = AnnounceAnswer.packed(SwarmStats.EMPTY,
                List.of(entry(IPV4.get(0), 'A'), entry(IPV6, 'B'), entry(IPV4.get(1), 'C')));
        assertThat(HEX.formatHex(packed.compact4())).isEqualTo(PEERS_HEX);
        assertThat(HEX.formatHex(packed.compact6())).isEqualTo(PEERS6_HEX);
    }

    @Test
    void serverAnswerCarriesTheRecordedBytesVerbatim() {
        byte[] answer = TrackerResponses.announce(new AnnounceAnswer(new SwarmStats(1, 2, 0),
                List.of(entry(IPV4.get(0), 'A'), entry(IPV4.get(1), 'C'), entry(IPV6, 'B'))), 1800, 900, true, true);
        String expected = "d8:completei1e10:incompletei2e8:intervali1800e12:min intervali900e5:peers12:"
                + latin1(PEERS_HEX) + "6:peers618:" + latin1(PEERS6_HEX) + "e";
        assertThat(new String(answer, StandardCharsets.ISO_8859_1)).isEqualTo(expected);
    }

    @Test
    void clientReadsTheRecordedBytesBackToTheSameAddresses() {
        byte[] body = ("d8:intervali60e5:peers12:" + latin1(PEERS_HEX) + "6:peers618:" + latin1(PEERS6_HEX) + "e")
                .getBytes(StandardCharsets.ISO_8859_1);
        assertThat(AnnounceCodec.parseResponse(body).peerAddresses())
                .containsExactly(IPV4.get(0), IPV4.get(1), IPV6);
    }

    @Test
    void peerAddressCodesEachEntryAsTheRecordedBytes() {
        assertThat(HEX.formatHex(PeerAddress.encodeCompact(IPV4, false))).isEqualTo(PEERS_HEX);
        assertThat(HEX.formatHex(IPV6.compact())).isEqualTo(PEERS6_HEX);
        byte[] out = new byte[12];
        int at = PeerAddress.putCompactIpv4(out, 0, 0x0a000001, 6881);
        PeerAddress.putCompact(out, at, new byte[] {(byte) 192, (byte) 168, 1, (byte) 200}, 51413);
        assertThat(HEX.formatHex(out)).isEqualTo(PEERS_HEX);
    }

    static String latin1(String hex) {
        return new String(HEX.parseHex(hex), StandardCharsets.ISO_8859_1);
    }
}
