package org.enjambre.tracker.protocol;

import org.enjambre.net.PeerAddress;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

public class AnnounceCodecTest {
    /** 0x00..0x13: control bytes, nothing unreserved, so every byte must be escaped. */
    public static final byte[] INFO_HASH = range(0x00, 20);
    /** "-EJ0001-" then bytes that mix unreserved (a, ~), reserved (&, =, %, +, space) and high bytes. */
    public static final byte[] PEER_ID = bytes("-EJ0001-", new byte[]{'a', '~', '&', '=', '%', '+', ' ', (byte) 0xff, (byte) 0x80, '.', '_', 'Z'});

    private static AnnounceRequest request(AnnounceEvent event, String trackerId) {
        return new AnnounceRequest(INFO_HASH, PEER_ID, 6881, new TransferStats(1024, 2048, 4096), event, 50, "1a2b3c4d", trackerId);
    }

    @Test
    void announceUrlPercentEncodesRawBytesAndListsEveryParameter() {
        String url = AnnounceCodec.announceUrl("http://127.0.0.1:6969/announce", request(AnnounceEvent.STARTED, null));
        assertThat(url).isEqualTo("http://127.0.0.1:6969/announce"
                + "?info_hash=%00%01%02%03%04%05%06%07%08%09%0A%0B%0C%0D%0E%0F%10%11%12%13"
                + "&peer_id=-EJ0001-a~%26%3D%25%2B%20%FF%80._Z"
                + "&port=6881&uploaded=1024&downloaded=2048&left=4096&compact=1&no_peer_id=1"
                + "&event=started&numwant=50&key=1a2b3c4d");
    }

    @Test
    void regularAnnounceSendsNoEventAndTrackerIdGoesBack() {
        String url = AnnounceCodec.announceUrl("http://t.example/announce", request(AnnounceEvent.NONE, "id\u00ff&x"));
        assertThat(url).doesNotContain("event=").endsWith("&numwant=50&key=1a2b3c4d&trackerid=id%FF%26x");
        assertThat(AnnounceCodec.announceUrl("http://t.example/a", request(AnnounceEvent.COMPLETED, null))).contains("&event=completed&");
        assertThat(AnnounceCodec.announceUrl("http://t.example/a", request(AnnounceEvent.STOPPED, null))).contains("&event=stopped&");
    }

    @Test
    void announceUrlThatAlreadyHasAQueryKeepsIt() {
        assertThat(AnnounceCodec.announceUrl("http://t.example/announce?passkey=s3cr3t", request(AnnounceEvent.NONE, null)))
                .startsWith("http://t.example/announce?passkey=s3cr3t&info_hash=%00");
        assertThat(AnnounceCodec.announceUrl("http://t.example/announce?", request(AnnounceEvent.NONE, null)))
                .startsWith("http://t.example/announce?info_hash=%00");
        assertThat(AnnounceCodec.announceUrl("http://t.example/announce?a=1&", request(AnnounceEvent.NONE, null)))
                .startsWith("http://t.example/announce?a=1&info_hash=%00");
        assertThat(AnnounceCodec.announceUrl("http://t.example/announce#frag", request(AnnounceEvent.NONE, null)))
                .startsWith("http://t.example/announce?info_hash=%00").doesNotContain("#");
    }

    @Test
    void requestRefusesWrongLengthsAndPorts() {
        TransferStats s = new TransferStats(0, 0, 0);
        assertThatThrownBy(() -> new AnnounceRequest(new byte[19], PEER_ID, 1, s, AnnounceEvent.NONE, 1, null, null))
                .hasMessageContaining("info-hash must be 20 bytes, not 19");
        assertThatThrownBy(() -> new AnnounceRequest(INFO_HASH, new byte[21], 1, s, AnnounceEvent.NONE, 1, null, null))
                .hasMessageContaining("peer id must be 20 bytes, not 21");
        assertThatThrownBy(() -> new AnnounceRequest(INFO_HASH, PEER_ID, 0, s, AnnounceEvent.NONE, 1, null, null))
                .hasMessageContaining("port must be 1..65535");
        assertThatThrownBy(() -> new TransferStats(0, -1, 0)).hasMessageContaining("negative");
    }

    @Test
    void compactAnswerGivesIpv4PeersAndSwarmCounts() {
        byte[] body = bytes("d8:completei3e10:incompletei1e8:intervali1800e12:min intervali60e5:peers12:",
                new byte[]{127, 0, 0, 1, 0x1a, (byte) 0xe1, 10, 1, 2, (byte) 200, (byte) 0xff, (byte) 0xff}, "e");
        AnnounceResponse r = AnnounceCodec.parseResponse(body);
        assertThat(r.interval()).isEqualTo(Duration.ofSeconds(1800));
        assertThat(r.minInterval()).contains(Duration.ofSeconds(60));
        assertThat(r.complete()).hasValue(3);
        assertThat(r.incomplete()).hasValue(1);
        assertThat(r.warning()).isEmpty();
        assertThat(r.trackerId()).isEmpty();
        assertThat(r.peerAddresses()).containsExactly(
                new PeerAddress("127.0.0.1", 6881), new PeerAddress("10.1.2.200", 65535));
        assertThat(r.peers()).allSatisfy(p -> assertThat(p.peerIdIfKnown()).isEmpty());
    }

    @Test
    void emptyCompactPeersAndMissingPeersAreNoPeers() {
        assertThat(AnnounceCodec.parseResponse(bytes("d8:intervali900e5:peers0:e")).peers()).isEmpty();
        assertThat(AnnounceCodec.parseResponse(bytes("d8:intervali900ee")).peers()).isEmpty();
    }

    @Test
    void dictionaryAnswerGivesAddressesAndPeerIds() throws Exception {
        byte[] id = bytes("-TR3000-", "abcdefghijkl");
        byte[] body = bytes("d8:intervali30e5:peersl",
                "d2:ip9:127.0.0.27:peer id20:", id, "4:porti51413ee",
                "d2:ip3:::14:porti6000ee",
                "d2:ip16:peer.example.org4:porti7000ee",
                "ee");
        AnnounceResponse r = AnnounceCodec.parseResponse(body);
        assertThat(r.peers()).hasSize(3);
        assertThat(r.peers().get(0).address()).isEqualTo(new PeerAddress("127.0.0.2", 51413));
        assertThat(r.peers().get(0).peerIdIfKnown()).hasValueSatisfying(p -> assertThat(p).isEqualTo(id));
        assertThat(r.peers().get(1).address()).isEqualTo(new PeerAddress("::1", 6000));
        PeerAddress named = r.peers().get(2).address();
        assertThat(named).isEqualTo(new PeerAddress("peer.example.org", 7000));
        assertThat(named.ip()).as("a host name is left for the engine to resolve, off the event loop").isEmpty();
        assertThat(named.socketAddress().isUnresolved()).isTrue();
    }

    @Test
    void peers6AnswerGivesIpv6PeersAfterIpv4Ones() throws Exception {
        byte[] v6 = new byte[18];
        v6[15] = 1; // ::1
        v6[16] = 0x1f;
        v6[17] = (byte) 0x90; // 8080
        byte[] body = bytes("d8:intervali60e5:peers6:", new byte[]{127, 0, 0, 1, 0x00, 0x50}, "6:peers618:", v6, "e");
        AnnounceResponse r = AnnounceCodec.parseResponse(body);
        assertThat(r.peerAddresses()).containsExactly(new PeerAddress("127.0.0.1", 80),
                new PeerAddress("::1", 8080));
    }

    @Test
    void duplicatePeersAreListedOnce() {
        byte[] one = {127, 0, 0, 1, 0x1a, (byte) 0xe1};
        AnnounceResponse r = AnnounceCodec.parseResponse(bytes("d8:intervali60e5:peers12:", one, one, "e"));
        assertThat(r.peers()).hasSize(1);
    }

    @Test
    void failureReasonIsAClearRefusal() {
        assertThatThrownBy(() -> AnnounceCodec.parseResponse(bytes("d14:failure reason20:unregistered torrente")))
                .isInstanceOf(TrackerFailureException.class)
                .hasMessage("tracker refused the announce: unregistered torrent")
                .satisfies(e -> assertThat(((TrackerFailureException) e).reason()).isEqualTo("unregistered torrent"));
    }

    @Test
    void warningMessageAndTrackerIdAreKept() {
        AnnounceResponse r = AnnounceCodec.parseResponse(bytes("d8:intervali60e5:peers0:10:tracker id3:", new byte[]{'x', 0, (byte) 0xfe},
                "15:warning message10:be carefule"));
        assertThat(r.warning()).contains("be careful");
        assertThat(r.trackerId()).contains("x\u0000\u00fe");
    }

    @Test
    void malformedAnswersAreRefusedWithAClearMessage() {
        assertRefused(bytes(""), "tracker answer is empty");
        assertRefused(bytes("<html>502 Bad Gateway</html>"), "not valid bencode");
        assertRefused(bytes("d8:intervali60e"), "not valid bencode");
        assertRefused(bytes("l8:intervale"), "not a bencoded dictionary");
        assertRefused(bytes("d5:peers0:e"), "has no 'interval'");
        assertRefused(bytes("d8:interval2:60e"), "'interval' is not an integer");
        assertRefused(bytes("d8:intervali-5ee"), "'interval' is negative");
        assertRefused(bytes("d8:completei-1e8:intervali60ee"), "'complete' is negative");
        assertRefused(bytes("d14:failure reasoni3ee"), "'failure reason' is not a string");
        assertRefused(bytes("d8:intervali60e5:peersi3ee"), "'peers' is neither a compact string nor a list");
        assertRefused(bytes("d8:intervali60e5:peers7:", new byte[7], "e"), "compact 'peers' is 7 bytes, not a multiple of 6");
        assertRefused(bytes("d8:intervali60e6:peers617:", new byte[17], "e"), "compact 'peers6' is 17 bytes, not a multiple of 18");
        assertRefused(bytes("d8:intervali60e6:peers6lee"), "'peers6' is not a compact string");
        assertRefused(bytes("d8:intervali60e5:peers6:", new byte[]{127, 0, 0, 1, 0, 0}, "e"), "entry 0 has port 0");
        assertRefused(bytes("d8:intervali60e5:peersli3eee"), "'peers' entry 0 is not a dictionary");
        assertRefused(bytes("d8:intervali60e5:peersld4:porti1eeee"), "'peers' entry 0 has no 'ip' string");
        assertRefused(bytes("d8:intervali60e5:peersld2:ip9:127.0.0.1eee"), "'peers' entry 0 has no 'port' integer");
        assertRefused(bytes("d8:intervali60e5:peersld2:ip9:127.0.0.14:porti70000eeee"), "port 70000, outside 1..65535");
        assertRefused(bytes("d8:intervali60e5:peersld2:ip9:127.0.0.14:porti0eeee"), "port 0, outside 1..65535");
        assertRefused(bytes("d8:intervali60e5:peersld2:ip9:256.0.0.14:porti1eeee"), "neither an IP address nor a host name");
        assertRefused(bytes("d8:intervali60e5:peersld2:ip8:bad host4:porti1eeee"), "neither an IP address nor a host name");
        assertRefused(bytes("d8:intervali60e5:peersld2:ip5:::zz14:porti1eeee"), "invalid IPv6 address");
        assertRefused(bytes("d8:intervali60e5:peersld2:ip9:127.0.0.17:peer id3:abc4:porti1eeee"), "'peer id' that is not 20 bytes");
    }

    @Test
    void oversizedAnswersAndTooManyPeersAreRefused() {
        assertRefused(new byte[AnnounceCodec.MAX_RESPONSE_BYTES + 1], "larger than the limit");
        int tooMany = AnnounceCodec.MAX_PEERS + 1;
        byte[] compact = new byte[tooMany * 6];
        assertRefused(bytes("d8:intervali60e5:peers" + compact.length + ":", compact, "e"),
                "lists " + tooMany + " peers, more than the limit of " + AnnounceCodec.MAX_PEERS);
    }

    @Test
    void strictIpv4ParserRefusesLooseForms() {
        assertThat(AnnounceCodec.parseIpv4("192.168.1.255")).containsExactly(192 - 256, 168 - 256, 1, 255 - 256);
        for (String loose : List.of("1.2.3", "01.2.3.4", "1.2.3.4.5", "1..3.4", "1.2.3.256", "a.b.c.d", "")) {
            assertThat(AnnounceCodec.parseIpv4(loose)).as(loose).isNull();
        }
    }

    private static void assertRefused(byte[] body, String message) {
        assertThatThrownBy(() -> AnnounceCodec.parseResponse(body))
                .isInstanceOf(TrackerResponseException.class)
                .hasMessageContaining(message);
    }

    public static byte[] range(int first, int count) {
        byte[] out = new byte[count];
        for (int i = 0; i < count; i++) {
            out[i] = (byte) (first + i);
        }
        return out;
    }

    /** Concatenates parts: a String is taken as ISO-8859-1 (one byte per char), a byte[] as is. */
    static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            byte[] b = part instanceof byte[] raw ? raw : ((String) part).getBytes(StandardCharsets.ISO_8859_1);
            out.write(b, 0, b.length);
        }
        return out.toByteArray();
    }
}
