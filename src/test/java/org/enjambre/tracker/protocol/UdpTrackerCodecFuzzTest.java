package org.enjambre.tracker.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import org.enjambre.net.PeerAddress;
import org.enjambre.testutil.FuzzCorpus;
import org.junit.jupiter.api.Test;

/**
 * Fuzz target {@code udp-tracker}: byte 0 picks the side (bit 0 clear: a datagram a tracker
 * received; set: an answer a client received, read with 6-byte peers, or 18-byte ones when bit 1 is
 * set), the rest is the datagram. A tracker's decode never throws and what it accepts holds the
 * limits (ports 1..65535, numwant capped, counts not negative, 1..74 scrape hashes) and encodes
 * back to the same bytes; a client's decode throws nothing but {@link TrackerResponseException},
 * and what it accepts has dialable peers within the limit and printable error text.
 */
class UdpTrackerCodecFuzzTest {
    static final String TARGET = "udp-tracker";

    static void check(byte[] input) {
        if (input.length == 0) {
            return;
        }
        byte[] datagram = Arrays.copyOfRange(input, 1, input.length);
        if ((input[0] & 1) == 0) {
            request(datagram);
        } else {
            answer(datagram, (input[0] & 2) == 0 ? PeerAddress.COMPACT_IPV4 : PeerAddress.COMPACT_IPV6);
        }
    }

    private static void request(byte[] datagram) {
        switch (UdpTrackerCodec.decodeRequest(datagram)) {
            case UdpTrackerRequest.Connect c -> assertThat(UdpTrackerCodec.encode(c))
                    .isEqualTo(Arrays.copyOf(datagram, UdpTrackerCodec.CONNECT_LENGTH));
            case UdpTrackerRequest.Announce a -> {
                AnnounceRequest r = a.request();
                assertThat(r.port()).isBetween(1, 65535);
                assertThat(r.numwant()).isBetween(0, AnnounceParser.MAX_NUMWANT);
                assertThat(r.stats().left()).isNotNegative();
                assertThat(r.stats().uploaded()).isNotNegative();
                assertThat(r.stats().downloaded()).isNotNegative();
                assertThat(r.key()).hasSize(8);
                byte[] again = UdpTrackerCodec.encode(new UdpTrackerRequest.Announce(a.connectionId(), a.transactionId(), r,
                        a.ipv4(), ""));
                // Every field but numwant (-1 and values past the cap are normalised) comes back as sent.
                assertThat(Arrays.copyOf(again, 92)).isEqualTo(Arrays.copyOf(datagram, 92));
                assertThat(Arrays.copyOfRange(again, 96, 98)).isEqualTo(Arrays.copyOfRange(datagram, 96, 98));
            }
            case UdpTrackerRequest.Scrape s -> {
                assertThat(s.infoHashes()).hasSizeBetween(1, UdpTrackerCodec.MAX_SCRAPE_HASHES);
                assertThat(UdpTrackerCodec.encode(s)).isEqualTo(datagram);
            }
            case UdpTrackerRequest.Malformed m -> {
                assertThat(m.reason()).isNotBlank();
                assertThat(UdpTrackerCodec.error(m.transactionId(), m.reason(), datagram.length).length)
                        .isLessThanOrEqualTo(Math.max(datagram.length, UdpTrackerCodec.ANSWER_HEADER_LENGTH));
            }
            case UdpTrackerRequest.Ignored i -> assertThat(i.reason()).isNotBlank();
        }
    }

    private static void answer(byte[] datagram, int entry) {
        UdpTrackerResponse response;
        try {
            response = UdpTrackerCodec.decodeResponse(datagram, entry);
        } catch (TrackerResponseException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        switch (response) {
            case UdpTrackerResponse.Connected c -> assertThat(datagram.length).isGreaterThanOrEqualTo(16);
            case UdpTrackerResponse.Announced a -> {
                assertThat(a.intervalSeconds()).isNotNegative();
                assertThat(a.seeders()).isNotNegative();
                assertThat(a.leechers()).isNotNegative();
                assertThat(a.peers().size()).isLessThanOrEqualTo(AnnounceCodec.MAX_PEERS);
                assertThat(a.peers()).allMatch(p -> p.port() > 0);
                if (entry == PeerAddress.COMPACT_IPV4) {
                    assertThat(a.peers()).noneMatch(PeerAddress::isIpv6);
                }
                // 18-byte entries may hold IPv4-mapped addresses (::ffff:a.b.c.d): those are read as the IPv4 peer they are.
            }
            case UdpTrackerResponse.Scraped s -> assertThat(s.stats()).allMatch(st -> st.complete() >= 0
                    && st.incomplete() >= 0 && st.downloaded() >= 0);
            case UdpTrackerResponse.Error e -> assertThat(e.message().codePoints().noneMatch(Character::isISOControl)).isTrue();
        }
    }

    @FuzzTest
    void udpTrackerDatagram(byte[] input) {
        check(input);
    }

    @Test
    void everySeedDatagramIsReadWithinTheLimitsOrRefusedWithAReason() {
        FuzzCorpus.replay(TARGET, UdpTrackerCodecFuzzTest::check);
    }

    @Test
    void mutatedSeedDatagramsAreReadWithinTheLimitsOrRefusedWithAReason() {
        int tried = FuzzCorpus.mutate(TARGET, 16L, 10_000,
                FuzzCorpus.tokens("\u0000\u0000\u0004\u0017\u0027\u0010\u0019\u0080", "\u0000\u0000\u0000\u0000",
                        "\u0000\u0000\u0000\u0001", "\u0000\u0000\u0000\u0002", "\u0000\u0000\u0000\u0003",
                        "\u00ff\u00ff\u00ff\u00ff", "\u0000\u0000", "\u0002\u0009/announce", "\u0001", "\u0000"),
                UdpTrackerCodecFuzzTest::check);
        assertThat(tried).isPositive();
    }
}
