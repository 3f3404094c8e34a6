package org.enjambre.tracker.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.List;
import org.enjambre.net.PeerAddress;
import org.junit.jupiter.api.Test;

/** BEP 15 packets byte for byte, each malformed one, and BEP 41 options. */
class UdpTrackerCodecTest {
    static final HexFormat HEX = HexFormat.of();
    static final byte[] INFO_HASH = AnnounceCodecTest.range(0x40, 20);
    static final byte[] PEER_ID = AnnounceCodecTest.range(0x60, 20);

    /** A 98-byte announce as libtorrent sends it: event started, ip 0, key, numwant -1, port 6881. */
    static final String ANNOUNCE_HEX = "0123456789abcdef" + "00000001" + "cafebabe"
            + HEX.formatHex(INFO_HASH) + HEX.formatHex(PEER_ID)
            + "0000000000000100" // downloaded 256
            + "0000000000001000" // left 4096
            + "0000000000000010" // uploaded 16
            + "00000002" // started
            + "00000000" // ip: the sender's
            + "1a2b3c4d" // key
            + "ffffffff" // numwant -1: the default
            + "1ae1"; // port 6881

    static byte[] hex(String s) {
        return HEX.parseHex(s);
    }

    @Test
    void connectRequestIsTheProtocolIdActionZeroAndTheTransactionId() {
        byte[] packet = UdpTrackerCodec.encode(new UdpTrackerRequest.Connect(0x12345678));
        assertThat(HEX.formatHex(packet)).isEqualTo("0000041727101980" + "00000000" + "12345678");
        assertThat(UdpTrackerCodec.decodeRequest(packet)).isEqualTo(new UdpTrackerRequest.Connect(0x12345678));
    }

    @Test
    void connectWithoutTheProtocolIdOrShorterThanAHeaderIsIgnored() {
        assertThat(UdpTrackerCodec.decodeRequest(hex("0000041727101981" + "00000000" + "12345678")))
                .isInstanceOf(UdpTrackerRequest.Ignored.class);
        assertThat(UdpTrackerCodec.decodeRequest(hex("0000041727101980" + "00000000" + "123456")))
                .isInstanceOf(UdpTrackerRequest.Ignored.class);
        assertThat(UdpTrackerCodec.decodeRequest(new byte[0])).isInstanceOf(UdpTrackerRequest.Ignored.class);
        // A bencoded DHT message that reached the tracker side is nothing to answer either.
        assertThat(UdpTrackerCodec.decodeRequest("d1:ad2:id20:".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
                .isInstanceOf(UdpTrackerRequest.Ignored.class);
    }

    @Test
    void connectAnswerCarriesTheConnectionId() {
        byte[] answer = UdpTrackerCodec.connected(0x12345678, 0x0123456789abcdefL);
        assertThat(HEX.formatHex(answer)).isEqualTo("00000000" + "12345678" + "0123456789abcdef");
        assertThat(UdpTrackerCodec.decodeResponse(answer, 6))
                .isEqualTo(new UdpTrackerResponse.Connected(0x12345678, 0x0123456789abcdefL));
    }

    @Test
    void announceRequestDecodesEveryField() {
        UdpTrackerRequest decoded = UdpTrackerCodec.decodeRequest(hex(ANNOUNCE_HEX));
        assertThat(decoded).isInstanceOf(UdpTrackerRequest.Announce.class);
        UdpTrackerRequest.Announce a = (UdpTrackerRequest.Announce) decoded;
        assertThat(a.connectionId()).isEqualTo(0x0123456789abcdefL);
        assertThat(a.transactionId()).isEqualTo(0xcafebabe);
        assertThat(a.ipv4()).isZero();
        assertThat(a.urlData()).isEmpty();
        assertThat(a.request()).isEqualTo(new AnnounceRequest(INFO_HASH, PEER_ID, 6881, new TransferStats(16, 256, 4096),
                AnnounceEvent.STARTED, AnnounceParser.DEFAULT_NUMWANT, "1a2b3c4d", null));
    }

    @Test
    void announceRequestEncodesToTheSameBytes() {
        AnnounceRequest request = new AnnounceRequest(INFO_HASH, PEER_ID, 6881, new TransferStats(16, 256, 4096),
                AnnounceEvent.STARTED, 200, "1a2b3c4d", null);
        byte[] packet = UdpTrackerCodec.encode(new UdpTrackerRequest.Announce(0x0123456789abcdefL, 0xcafebabe, request, 0, ""));
        assertThat(HEX.formatHex(packet)).isEqualTo(ANNOUNCE_HEX.replace("ffffffff1ae1", "000000c81ae1"));
    }

    @Test
    void numwantIsCappedAsOverHttp() {
        UdpTrackerRequest.Announce a = (UdpTrackerRequest.Announce) UdpTrackerCodec.decodeRequest(
                hex(ANNOUNCE_HEX.replace("ffffffff1ae1", "000001f41ae1")));
        assertThat(a.request().numwant()).isEqualTo(AnnounceParser.MAX_NUMWANT);
    }

    @Test
    void announceEventsMapBothWays() {
        AnnounceEvent[] byWire = {AnnounceEvent.NONE, AnnounceEvent.COMPLETED, AnnounceEvent.STARTED, AnnounceEvent.STOPPED};
        for (int wire = 0; wire < byWire.length; wire++) {
            AnnounceRequest request = new AnnounceRequest(INFO_HASH, PEER_ID, 1, new TransferStats(0, 0, 0), byWire[wire], 0, null, null);
            byte[] packet = UdpTrackerCodec.encode(new UdpTrackerRequest.Announce(1, 2, request, 0, ""));
            assertThat(UdpTrackerCodec.getInt(packet, 80)).isEqualTo(wire);
            assertThat(((UdpTrackerRequest.Announce) UdpTrackerCodec.decodeRequest(packet)).request().event()).isEqualTo(byWire[wire]);
        }
    }

    @Test
    void bep41UrlDataIsKeptAndNopAndUnknownOptionsAreSkipped() {
        String options = "01" + "02" + "05" + HEX.formatHex("/anno".getBytes()) + "07" + "02" + "ffff"
                + "02" + "04" + HEX.formatHex("unce".getBytes()) + "00" + "02" + "03" + "787878";
        UdpTrackerRequest.Announce a = (UdpTrackerRequest.Announce) UdpTrackerCodec.decodeRequest(hex(ANNOUNCE_HEX + options));
        assertThat(a.urlData()).isEqualTo("/announce");
    }

    @Test
    void aTruncatedBep41OptionEndsTheListWithoutRefusingTheAnnounce() {
        UdpTrackerRequest decoded = UdpTrackerCodec.decodeRequest(hex(ANNOUNCE_HEX + "02" + "05" + "2f61"));
        assertThat(decoded).isInstanceOf(UdpTrackerRequest.Announce.class);
        assertThat(((UdpTrackerRequest.Announce) decoded).urlData()).isEmpty();
        assertThat(UdpTrackerCodec.decodeRequest(hex(ANNOUNCE_HEX + "02"))).isInstanceOf(UdpTrackerRequest.Announce.class);
    }

    @Test
    void urlDataIsEncodedInChunksOf255AndReadBack() {
        String url = "/announce?passkey=" + "k".repeat(400);
        AnnounceRequest request = new AnnounceRequest(INFO_HASH, PEER_ID, 1, new TransferStats(0, 0, 0), AnnounceEvent.NONE, 0, null, null);
        byte[] packet = UdpTrackerCodec.encode(new UdpTrackerRequest.Announce(1, 2, request, 0, url));
        assertThat(packet).hasSize(UdpTrackerCodec.ANNOUNCE_LENGTH + url.length() + 2 * 2 + 1);
        assertThat(packet[UdpTrackerCodec.ANNOUNCE_LENGTH]).isEqualTo((byte) 2);
        assertThat(packet[UdpTrackerCodec.ANNOUNCE_LENGTH + 1]).isEqualTo((byte) 255);
        assertThat(packet[packet.length - 1]).isZero();
        assertThat(((UdpTrackerRequest.Announce) UdpTrackerCodec.decodeRequest(packet)).urlData()).isEqualTo(url);
    }

    @Test
    void keyOf8HexDigitsTravelsAsItsValue() {
        assertThat(UdpTrackerCodec.key("1a2b3c4d")).isEqualTo(0x1a2b3c4d);
        assertThat(UdpTrackerCodec.key("ffffffff")).isEqualTo(-1);
        assertThat(UdpTrackerCodec.key(null)).isZero();
        assertThat(UdpTrackerCodec.key("not hex at all")).isEqualTo("not hex at all".hashCode());
    }

    @Test
    void malformedAnnouncesAreAnsweredWithTheirReason() {
        assertMalformed(ANNOUNCE_HEX.substring(0, 2 * 97), "shorter than 98");
        assertMalformed(ANNOUNCE_HEX.replace("00000000000001000000000000001000", "80000000000001000000000000001000"),
                "negative");
        assertMalformed(ANNOUNCE_HEX.replace("0000000200000000", "0000000400000000"), "invalid event 4");
        assertMalformed(ANNOUNCE_HEX.substring(0, ANNOUNCE_HEX.length() - 4) + "0000", "invalid port 0");
        assertMalformed("0123456789abcdef" + "00000009" + "cafebabe", "unknown action 9");
        // An error is no request a tracker reads.
        assertMalformed("0123456789abcdef" + "00000003" + "cafebabe", "unknown action 3");
    }

    @Test
    void scrapeRequestCarriesUpTo74InfoHashes() {
        byte[] packet = UdpTrackerCodec.encode(new UdpTrackerRequest.Scrape(7, 8, List.of(INFO_HASH, PEER_ID)));
        assertThat(HEX.formatHex(packet)).isEqualTo("0000000000000007" + "00000002" + "00000008"
                + HEX.formatHex(INFO_HASH) + HEX.formatHex(PEER_ID));
        UdpTrackerRequest.Scrape s = (UdpTrackerRequest.Scrape) UdpTrackerCodec.decodeRequest(packet);
        assertThat(s.connectionId()).isEqualTo(7);
        assertThat(s.infoHashes()).containsExactly(INFO_HASH, PEER_ID);
        String header = "0000000000000007" + "00000002" + "00000008";
        assertThat(UdpTrackerCodec.decodeRequest(hex(header + "00".repeat(20 * 74)))).isInstanceOf(UdpTrackerRequest.Scrape.class);
        assertMalformed(header + "00".repeat(20 * 75), "at most 74");
        assertMalformed(header, "whole 20-byte info-hashes, got 0");
        assertMalformed(header + "00".repeat(21), "got 21 bytes");
        assertThatThrownBy(() -> UdpTrackerCodec.encode(new UdpTrackerRequest.Scrape(1, 2, List.of())))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void announceAnswerIsReadIntoPeersOfTheTrackersFamily() {
        byte[] four = hex("7f000001" + "1ae1" + "0a000002" + "1ae2");
        byte[] answer = UdpTrackerCodec.announced(0xcafebabe, 1800, 3, 4, four, 0, four.length);
        assertThat(HEX.formatHex(answer)).isEqualTo("00000001" + "cafebabe" + "00000708" + "00000003" + "00000004"
                + HEX.formatHex(four));
        assertThat(UdpTrackerCodec.decodeResponse(answer, 6)).isEqualTo(new UdpTrackerResponse.Announced(0xcafebabe, 1800, 3, 4,
                List.of(new PeerAddress("127.0.0.1", 6881), new PeerAddress("10.0.0.2", 6882))));
        byte[] six = hex("20010db8000000000000000000000001" + "1ae1");
        byte[] answer6 = UdpTrackerCodec.announced(1, 60, 0, 1, six, 0, six.length);
        assertThat(((UdpTrackerResponse.Announced) UdpTrackerCodec.decodeResponse(answer6, 18)).peers())
                .containsExactly(new PeerAddress("2001:db8::1", 6881));
        // An IPv4-mapped IPv6 entry is the IPv4 peer it names (found by fuzzing udp-tracker).
        byte[] mapped = hex("00000000000000000000ffff7f000001" + "1ae1");
        assertThat(((UdpTrackerResponse.Announced) UdpTrackerCodec.decodeResponse(
                UdpTrackerCodec.announced(1, 60, 0, 1, mapped, 0, mapped.length), 18)).peers())
                .containsExactly(new PeerAddress("127.0.0.1", 6881));
    }

    @Test
    void malformedAnnounceAnswersAreRefusedWithWhatIsWrong() {
        assertRefused("00000001cafebabe000007080000000300", "shorter than 20");
        assertRefused("00000001cafebabe", "refused without a reason");
        assertRefused("00000001cafebabe" + "00000708" + "00000003" + "00000004" + "7f0000011a", "not a multiple of 6");
        assertRefused("00000001cafebabe" + "80000000" + "00000003" + "00000004", "negative");
        assertRefused("00000001cafebabe" + "00000708" + "00000003" + "00000004" + "7f0000010000", "port 0");
        assertRefused("00000001cafe", "shorter than its header");
        assertRefused("00000000cafebabe0123", "shorter than 16");
        assertRefused("00000007cafebabe", "unknown action 7");
        assertRefused("00000002cafebabe" + "0000000100000002000000", "not a multiple of 12");
        assertRefused("00000002cafebabe" + "ffffffff0000000200000003", "negative count");
    }

    @Test
    void duplicatePeersInAnAnswerAreListedOnce() {
        byte[] peers = hex("7f0000011ae1" + "7f0000011ae1");
        byte[] answer = UdpTrackerCodec.announced(1, 60, 2, 0, peers, 0, peers.length);
        assertThat(((UdpTrackerResponse.Announced) UdpTrackerCodec.decodeResponse(answer, 6)).peers()).hasSize(1);
    }

    @Test
    void scrapeAnswerIsSeedersCompletedLeechersPerHash() {
        byte[] answer = UdpTrackerCodec.scraped(9, List.of(new SwarmStats(5, 2, 7), new SwarmStats(0, 0, 3_000_000_000L)));
        assertThat(HEX.formatHex(answer)).isEqualTo("00000002" + "00000009" + "00000005" + "00000007" + "00000002"
                + "00000000" + "7fffffff" + "00000000");
        assertThat(UdpTrackerCodec.decodeResponse(answer, 6)).isEqualTo(new UdpTrackerResponse.Scraped(9,
                List.of(new SwarmStats(5, 2, 7), new SwarmStats(0, 0, Integer.MAX_VALUE))));
    }

    @Test
    void errorAnswerIsCutToTheLengthAllowedAndReadAsText() {
        byte[] error = UdpTrackerCodec.error(5, "torrent not served by this tracker", 1000);
        assertThat(HEX.formatHex(error, 0, 8)).isEqualTo("0000000300000005");
        assertThat(UdpTrackerCodec.decodeResponse(error, 6))
                .isEqualTo(new UdpTrackerResponse.Error(5, "torrent not served by this tracker"));
        assertThat(UdpTrackerCodec.error(5, "connection id expired, connect again", 16)).hasSize(16);
        assertThat(UdpTrackerCodec.error(5, "anything", 4)).hasSize(8);
        byte[] control = hex("00000003" + "00000005" + "6f6b0a07");
        assertThat(UdpTrackerCodec.decodeResponse(control, 6)).isEqualTo(new UdpTrackerResponse.Error(5, "ok??"));
    }

    @Test
    void answersFitOneUnfragmentedDatagram() {
        assertThat(UdpTrackerCodec.maxPeers(false)).isEqualTo(242);
        assertThat(UdpTrackerCodec.maxPeers(true)).isEqualTo(67);
        assertThat(20 + 6 * UdpTrackerCodec.maxPeers(false)).isLessThanOrEqualTo(UdpTrackerCodec.MAX_PAYLOAD_IPV4);
        assertThat(20 + 18 * UdpTrackerCodec.maxPeers(true)).isLessThanOrEqualTo(UdpTrackerCodec.MAX_PAYLOAD_IPV6);
    }

    private static void assertMalformed(String packetHex, String reason) {
        UdpTrackerRequest decoded = UdpTrackerCodec.decodeRequest(hex(packetHex));
        assertThat(decoded).isInstanceOf(UdpTrackerRequest.Malformed.class);
        UdpTrackerRequest.Malformed m = (UdpTrackerRequest.Malformed) decoded;
        assertThat(m.reason()).contains(reason);
        assertThat(m.transactionId()).isEqualTo(UdpTrackerCodec.getInt(hex(packetHex), 12));
    }

    private static void assertRefused(String answerHex, String reason) {
        assertThatThrownBy(() -> UdpTrackerCodec.decodeResponse(hex(answerHex), 6))
                .isInstanceOf(TrackerResponseException.class).hasMessageContaining(reason);
    }
}
