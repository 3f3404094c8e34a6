package org.enjambre.tracker.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.enjambre.net.PeerAddress;
import org.junit.jupiter.api.Test;

class AnnounceParserTest {
    static final byte[] LOOPBACK = {127, 0, 0, 1};
    static final byte[] REMOTE = {10, 1, 2, 3};
    /** info_hash bytes 0x00..0x13, peer_id "-EJ0001-abcdefghijkl". */
    static final String HASH_Q = "%00%01%02%03%04%05%06%07%08%09%0A%0b%0C%0D%0E%0F%10%11%12%13";
    static final String PEER_Q = "-EJ0001-abcdefghijkl";
    static final String BASE = "info_hash=" + HASH_Q + "&peer_id=" + PEER_Q + "&port=6881&uploaded=0&downloaded=0&left=100";

    static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    static byte[] bytes(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String refusal(String query, byte[] remote) {
        try {
            AnnounceParser.parse(query, remote);
        } catch (TrackerRefusal e) {
            return latin1(TrackerResponses.failure(e.reason()));
        }
        throw new AssertionError("not refused: " + query);
    }

    @Test
    void announceQueryDecodesRawBytesAndAppliesDefaults() throws Exception {
        ReceivedAnnounce received = AnnounceParser.parse(BASE + "&event=started&key=ab12", REMOTE);
        AnnounceRequest r = received.request();
        byte[] expectedHash = new byte[20];
        for (int i = 0; i < 20; i++) {
            expectedHash[i] = (byte) i;
        }
        assertThat(r.infoHash()).isEqualTo(expectedHash);
        assertThat(r.infoHashHex()).isEqualTo("000102030405060708090a0b0c0d0e0f10111213");
        assertThat(latin1(r.peerId())).isEqualTo(PEER_Q);
        assertThat(received.ip()).isEqualTo(REMOTE);
        assertThat(r.port()).isEqualTo(6881);
        assertThat(r.stats()).isEqualTo(new TransferStats(0, 0, 100));
        assertThat(r.event()).isEqualTo(AnnounceEvent.STARTED);
        assertThat(r.numwant()).isEqualTo(50);
        assertThat(received.compact()).isTrue();
        assertThat(received.noPeerId()).as("peer ids only on request").isTrue();
        assertThat(r.key()).isEqualTo("ab12");
        assertThat(r.seeder()).isFalse();
    }

    @Test
    void highBytesAndPlusDecodeToTheirByteValues() throws Exception {
        String hash = "%ff%FE%80+abcdefghijklmnop";
        AnnounceRequest r = AnnounceParser.parse("info_hash=" + hash + "&peer_id=" + PEER_Q + "&port=1&left=0", REMOTE).request();
        assertThat(r.infoHash()).startsWith((byte) 0xff, (byte) 0xfe, (byte) 0x80, (byte) ' ', (byte) 'a');
        assertThat(r.seeder()).isTrue();
    }

    @Test
    void numwantIsCappedAndEventsAreRead() throws Exception {
        assertThat(AnnounceParser.parse(BASE + "&numwant=100000", REMOTE).request().numwant()).isEqualTo(200);
        assertThat(AnnounceParser.parse(BASE + "&numwant=0&event=stopped", REMOTE).request().event()).isEqualTo(AnnounceEvent.STOPPED);
        assertThat(AnnounceParser.parse(BASE + "&event=completed", REMOTE).request().event()).isEqualTo(AnnounceEvent.COMPLETED);
        assertThat(AnnounceParser.parse(BASE + "&event=", REMOTE).request().event()).isEqualTo(AnnounceEvent.NONE);
        assertThat(AnnounceParser.parse(BASE + "&compact=0&no_peer_id=1", REMOTE))
                .satisfies(r -> assertThat(r.compact()).isFalse())
                .satisfies(r -> assertThat(r.noPeerId()).isTrue());
    }

    @Test
    void peerIdsArePublishedOnlyWhenAClientAsksWithNoPeerIdZero() throws Exception {
        assertThat(AnnounceParser.parse(BASE + "&compact=0", REMOTE).noPeerId()).isTrue();
        assertThat(AnnounceParser.parse(BASE + "&compact=0&no_peer_id=1", REMOTE).noPeerId()).isTrue();
        assertThat(AnnounceParser.parse(BASE + "&compact=0&no_peer_id=", REMOTE).noPeerId()).isTrue();
        assertThat(AnnounceParser.parse(BASE + "&compact=0&no_peer_id=0", REMOTE).noPeerId()).isFalse();
    }

    @Test
    void theIpParameterFromLoopbackMustBeAUnicastAddress() throws Exception {
        for (String bad : new String[] {"0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250", "240.0.0.1",
                "255.255.255.255", "::", "ff02::1"}) {
            assertThat(refusal(BASE + "&ip=" + bad, LOOPBACK)).as(bad).contains("invalid ip: must be a unicast address");
        }
        assertThat(AnnounceParser.parse(BASE + "&ip=223.255.255.254", LOOPBACK).ip()).hasSize(4);
        assertThat(AnnounceParser.parse(BASE + "&ip=::2", LOOPBACK).ip()).hasSize(16);
        assertThat(AnnounceParser.parse(BASE + "&ip=127.0.0.2", LOOPBACK).ip()).hasSize(4);
    }

    @Test
    void ipParameterIsHonouredOnlyFromLoopback() throws Exception {
        assertThat(AnnounceParser.parse(BASE + "&ip=192.0.2.7", REMOTE).ip()).isEqualTo(REMOTE);
        assertThat(AnnounceParser.parse(BASE + "&ip=192.0.2.7", LOOPBACK).ip()).isEqualTo(new byte[] {(byte) 192, 0, 2, 7});
        assertThat(AnnounceParser.parse(BASE + "&ip=2001:db8::1", LOOPBACK).ip()).hasSize(16);
        assertThat(AnnounceParser.parse(BASE, LOOPBACK).ip()).isEqualTo(LOOPBACK);
        byte[] mapped = new byte[16];
        mapped[10] = mapped[11] = (byte) 0xff;
        mapped[12] = 10;
        mapped[15] = 3;
        assertThat(AnnounceParser.parse(BASE, mapped).ip()).isEqualTo(new byte[] {10, 0, 0, 3});
    }

    @Test
    void missingInfoHashIsRefused() {
        assertThat(refusal("peer_id=" + PEER_Q + "&port=1&left=0", REMOTE))
                .isEqualTo("d14:failure reason17:missing info_hashe");
    }

    @Test
    void shortInfoHashIsRefused() {
        assertThat(refusal("info_hash=%00%01&peer_id=" + PEER_Q + "&port=1&left=0", REMOTE))
                .isEqualTo("d14:failure reason42:invalid info_hash: must be 20 bytes, got 2e");
    }

    @Test
    void longInfoHashIsRefused() {
        assertThat(refusal("info_hash=" + HASH_Q + "%14&peer_id=" + PEER_Q + "&port=1&left=0", REMOTE))
                .isEqualTo("d14:failure reason43:invalid info_hash: must be 20 bytes, got 21e");
    }

    @Test
    void wrongLengthPeerIdIsRefused() {
        assertThat(refusal("info_hash=" + HASH_Q + "&peer_id=short&port=1&left=0", REMOTE))
                .isEqualTo("d14:failure reason40:invalid peer_id: must be 20 bytes, got 5e");
    }

    @Test
    void missingPeerIdIsRefused() {
        assertThat(refusal("info_hash=" + HASH_Q + "&port=1&left=0", REMOTE))
                .isEqualTo("d14:failure reason15:missing peer_ide");
    }

    @Test
    void portOutOfRangeIsRefused() {
        String expected = "d14:failure reason30:invalid port: must be 1..65535e";
        assertThat(refusal(BASE.replace("port=6881", "port=0"), REMOTE)).isEqualTo(expected);
        assertThat(refusal(BASE.replace("port=6881", "port=65536"), REMOTE)).isEqualTo(expected);
        assertThat(refusal(BASE.replace("port=6881", "port=-1"), REMOTE)).isEqualTo(expected);
    }

    @Test
    void nonNumericPortIsRefused() {
        assertThat(refusal(BASE.replace("port=6881", "port=http"), REMOTE))
                .isEqualTo("d14:failure reason28:invalid port: not an integere");
    }

    @Test
    void missingPortIsRefused() {
        assertThat(refusal(BASE.replace("&port=6881", ""), REMOTE))
                .isEqualTo("d14:failure reason12:missing porte");
    }

    @Test
    void negativeLeftIsRefused() {
        assertThat(refusal(BASE.replace("left=100", "left=-5"), REMOTE))
                .isEqualTo("d14:failure reason26:invalid left: must be >= 0e");
    }

    @Test
    void missingLeftIsRefused() {
        assertThat(refusal(BASE.replace("&left=100", ""), REMOTE))
                .isEqualTo("d14:failure reason12:missing lefte");
    }

    @Test
    void negativeUploadedIsRefused() {
        assertThat(refusal(BASE.replace("uploaded=0", "uploaded=-1"), REMOTE))
                .isEqualTo("d14:failure reason30:invalid uploaded: must be >= 0e");
    }

    @Test
    void unknownEventIsRefused() {
        assertThat(refusal(BASE + "&event=finished", REMOTE))
                .isEqualTo("d14:failure reason59:invalid event: must be started, completed, stopped or emptye");
    }

    @Test
    void negativeNumwantIsRefused() {
        assertThat(refusal(BASE + "&numwant=-3", REMOTE))
                .isEqualTo("d14:failure reason29:invalid numwant: must be >= 0e");
    }

    @Test
    void malformedPercentEncodingIsRefused() {
        assertThat(refusal("info_hash=%zz" + HASH_Q, REMOTE))
                .isEqualTo("d14:failure reason35:malformed percent-encoding in querye");
        assertThat(refusal(BASE + "&x=%4", REMOTE))
                .isEqualTo("d14:failure reason35:malformed percent-encoding in querye");
    }

    @Test
    void percentEscapeWithNonAsciiDigitsIsRefused() {
        // Found by the tracker-query fuzz target: Character.digit reads Arabic-Indic digits as hex.
        assertThat(refusal(BASE + "&x=%\u0661\u0661", REMOTE))
                .isEqualTo("d14:failure reason35:malformed percent-encoding in querye");
    }

    @Test
    void badIpLiteralFromLoopbackIsRefused() {
        assertThat(refusal(BASE + "&ip=tracker.example.org", LOOPBACK))
                .isEqualTo("d14:failure reason43:invalid ip: must be an IPv4 or IPv6 literale");
    }

    @Test
    void overlongKeyIsRefused() {
        assertThat(refusal(BASE + "&key=" + "k".repeat(65), REMOTE))
                .isEqualTo("d14:failure reason23:key too long (limit 64)e");
    }

    @Test
    void overlongQueryIsRefused() {
        assertThat(refusal(BASE + "&pad=" + "x".repeat(QueryString.MAX_QUERY_LENGTH), REMOTE))
                .isEqualTo("d14:failure reason39:query too long (limit 16384 characters)e");
    }

    static PeerEntry peer(String id, byte[] ip, int port) {
        try {
            return new PeerEntry(PeerAddress.of(java.net.InetAddress.getByAddress(ip), port), bytes(id));
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static final SwarmStats STATS = new SwarmStats(3, 2, 7);

    @Test
    void compactAnswerListsIpv4PeersAsSixBytes() {
        AnnounceAnswer result = new AnnounceAnswer(STATS, List.of(
                peer("-EJ0001-AAAAAAAAAAAA", new byte[] {10, 0, 0, 1}, 0x1AE1),
                peer("-EJ0001-BBBBBBBBBBBB", new byte[] {(byte) 192, (byte) 168, 1, (byte) 200}, 51413)));
        byte[] answer = TrackerResponses.announce(result, 1800, 900, true, false);
        assertThat(latin1(answer)).isEqualTo("d8:completei3e10:incompletei2e8:intervali1800e12:min intervali900e"
                + "5:peers12:\012\000\000\001\032\341\300\250\001\310\310\325e");
    }

    @Test
    void compactAnswerPutsIpv6PeersInPeers6AsEighteenBytes() {
        byte[] v6 = new byte[16];
        v6[0] = 0x20;
        v6[1] = 0x01;
        v6[2] = 0x0d;
        v6[3] = (byte) 0xb8;
        v6[15] = 0x01;
        AnnounceAnswer result = new AnnounceAnswer(new SwarmStats(1, 1, 0), List.of(
                peer("-EJ0001-AAAAAAAAAAAA", v6, 6881),
                peer("-EJ0001-BBBBBBBBBBBB", new byte[] {127, 0, 0, 1}, 6882)));
        byte[] answer = TrackerResponses.announce(result, 60, 30, true, false);
        assertThat(latin1(answer)).isEqualTo("d8:completei1e10:incompletei1e8:intervali60e12:min intervali30e"
                + "5:peers6:\177\000\000\001\032\342"
                + "6:peers618:\040\001\015\270\000\000\000\000\000\000\000\000\000\000\000\001\032\341e");
    }

    @Test
    void compactAnswerWithNoPeersHasAnEmptyPeersString() {
        byte[] answer = TrackerResponses.announce(new AnnounceAnswer(SwarmStats.EMPTY, List.of()), 1800, 900, true, false);
        assertThat(latin1(answer)).isEqualTo("d8:completei0e10:incompletei0e8:intervali1800e12:min intervali900e5:peers0:e");
    }

    @Test
    void dictionaryAnswerListsIpPeerIdAndPort() {
        byte[] v6 = new byte[16];
        v6[15] = 1;
        AnnounceAnswer result = new AnnounceAnswer(STATS, List.of(
                peer("-EJ0001-AAAAAAAAAAAA", new byte[] {10, 0, 0, 1}, 6881),
                peer("-EJ0001-BBBBBBBBBBBB", v6, 6882)));
        assertThat(latin1(TrackerResponses.announce(result, 1800, 900, false, false))).isEqualTo(
                "d8:completei3e10:incompletei2e8:intervali1800e12:min intervali900e5:peersl"
                        + "d2:ip8:10.0.0.17:peer id20:-EJ0001-AAAAAAAAAAAA4:porti6881ee"
                        // IPv6 in its RFC 5952 text, as PeerAddress writes every address.
                        + "d2:ip3:::17:peer id20:-EJ0001-BBBBBBBBBBBB4:porti6882ee"
                        + "ee");
    }

    @Test
    void dictionaryAnswerLeavesOutPeerIdsWhenAsked() {
        AnnounceAnswer result = new AnnounceAnswer(STATS, List.of(peer("-EJ0001-AAAAAAAAAAAA", new byte[] {10, 0, 0, 1}, 6881)));
        assertThat(latin1(TrackerResponses.announce(result, 1800, 900, false, true))).isEqualTo(
                "d8:completei3e10:incompletei2e8:intervali1800e12:min intervali900e5:peersl"
                        + "d2:ip8:10.0.0.14:porti6881ee"
                        + "ee");
    }

    @Test
    void scrapeAnswerMapsRawInfoHashesToCounts() throws Exception {
        List<byte[]> hashes = ScrapeParser.parse("info_hash=" + HASH_Q + "&info_hash=AAAAAAAAAAAAAAAAAAAA&info_hash=" + HASH_Q);
        assertThat(hashes).hasSize(2);
        Map<String, SwarmStats> stats = new LinkedHashMap<>();
        stats.put("4141414141414141414141414141414141414141", new SwarmStats(5, 1, 9));
        stats.put("000102030405060708090a0b0c0d0e0f10111213", SwarmStats.EMPTY);
        assertThat(latin1(TrackerResponses.scrape(stats))).isEqualTo("d5:filesd"
                + "20:\000\001\002\003\004\005\006\007\010\011\n\013\014\r\016\017\020\021\022\023"
                + "d8:completei0e10:downloadedi0e10:incompletei0ee"
                + "20:AAAAAAAAAAAAAAAAAAAAd8:completei5e10:downloadedi9e10:incompletei1eee"
                + "e");
    }

    @Test
    void scrapeWithWrongLengthHashIsRefused() {
        assertThatThrownBy(() -> ScrapeParser.parse("info_hash=abc"))
                .isInstanceOf(TrackerRefusal.class)
                .hasMessage("invalid info_hash: must be 20 bytes, got 3");
    }

    @Test
    void scrapeOfTooManyHashesIsRefused() {
        String q = ("info_hash=" + HASH_Q + "&").repeat(ScrapeParser.MAX_HASHES + 1);
        assertThatThrownBy(() -> ScrapeParser.parse(q)).hasMessage("too many info_hash values (limit 100)");
    }
}
