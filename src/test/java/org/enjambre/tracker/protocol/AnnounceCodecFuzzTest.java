package org.enjambre.tracker.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.enjambre.bencode.BencodeException;
import org.enjambre.testutil.FuzzCorpus;
import org.enjambre.net.PeerAddress;
import org.junit.jupiter.api.Test;

/**
 * Fuzz target {@code tracker-answer}: whatever a tracker answers, the client gets a valid
 * {@link AnnounceResponse}, a {@link TrackerFailureException} (the tracker's refusal) or a
 * {@link TrackerResponseException} saying what is malformed, nothing else; an accepted answer holds
 * no negative interval, no peer with a port outside 1..65535, no peer twice and no more than
 * {@link AnnounceCodec#MAX_PEERS} peers, and no host name that needed a DNS look-up to parse.
 */
class AnnounceCodecFuzzTest {
    static final String TARGET = "tracker-answer";

    static void check(byte[] input) {
        AnnounceResponse r;
        try {
            r = AnnounceCodec.parseResponse(input);
        } catch (TrackerFailureException e) {
            assertThat(e.reason()).isNotNull();
            assertThat(e.reason().chars().noneMatch(Character::isISOControl)).as("no control characters reach the log").isTrue();
            return;
        } catch (TrackerResponseException e) {
            assertThat(e.getMessage()).isNotBlank();
            if (e.getCause() != null) {
                assertThat(e.getCause()).isInstanceOfAny(BencodeException.class, java.net.UnknownHostException.class);
            }
            return;
        }
        assertThat(r.interval()).isGreaterThanOrEqualTo(Duration.ZERO);
        r.minInterval().ifPresent(d -> assertThat(d).isGreaterThanOrEqualTo(Duration.ZERO));
        assertThat(r.peers().size()).isLessThanOrEqualTo(AnnounceCodec.MAX_PEERS);
        Set<PeerEntry> seen = new HashSet<>();
        for (PeerEntry p : r.peers()) {
            assertThat(seen.add(p)).as("peer %s listed once", p).isTrue();
            assertThat(p.address().port()).isBetween(1, 65535);
            if (p.address().ip().isEmpty()) {
                assertThat(p.address().host()).matches("[A-Za-z0-9.-]+");
            }
            p.peerIdIfKnown().ifPresent(id -> assertThat(id).hasSize(20));
        }
        r.warning().ifPresent(w -> assertThat(w.chars().noneMatch(Character::isISOControl)).isTrue());
    }

    @Test
    void everyAnswerOurTrackerWritesIsReadBackWithTheSamePeers() throws Exception {
        Random random = new Random(48);
        for (int round = 0; round < 400; round++) {
            List<PeerEntry> peers = new ArrayList<>();
            Set<String> addresses = new HashSet<>();
            for (int i = random.nextInt(random.nextBoolean() ? 4 : 80); i > 0; i--) {
                byte[] ip = new byte[random.nextBoolean() ? 4 : 16];
                random.nextBytes(ip);
                if (ip.length == 16) {
                    ip[0] = 0x20; // global unicast: never read back as an IPv4-mapped address
                }
                byte[] peerId = new byte[20];
                random.nextBytes(peerId);
                PeerEntry p = new PeerEntry(PeerAddress.of(InetAddress.getByAddress(ip), 1 + random.nextInt(65535)), peerId);
                if (addresses.add(p.address().toString())) {
                    peers.add(p);
                }
            }
            boolean compact = random.nextBoolean();
            boolean noPeerId = random.nextBoolean();
            byte[] body = TrackerResponses.announce(new AnnounceAnswer(new SwarmStats(random.nextInt(1000),
                    random.nextInt(1000), random.nextInt(1000)), peers), 1 + random.nextInt(3600), random.nextInt(60), compact, noPeerId);
            check(body);

            List<PeerEntry> expected = new ArrayList<>(peers);
            if (compact) { // peers (IPv4) then peers6, each in the tracker's order
                expected.sort(Comparator.comparing(p -> p.address().isIpv6()));
            }
            List<PeerEntry> read = AnnounceCodec.parseResponse(body).peers();
            assertThat(read).hasSameSizeAs(expected);
            for (int i = 0; i < read.size(); i++) {
                PeerEntry want = expected.get(i);
                assertThat(read.get(i).address()).isEqualTo(want.address());
                assertThat(read.get(i).peerId()).isEqualTo(compact || noPeerId ? null : want.peerId());
            }
        }
    }

    @FuzzTest
    void trackerAnswer(byte[] input) {
        check(input);
    }

    @Test
    void everySeedAnswerIsReadOrRefusedWithATrackerException() {
        FuzzCorpus.replay(TARGET, AnnounceCodecFuzzTest::check);
    }

    @Test
    void mutatedSeedAnswersAreReadOrRefusedWithATrackerException() {
        int tried = FuzzCorpus.mutate(TARGET, 23L, 10_000,
                FuzzCorpus.tokens("5:peers", "6:peers6", "8:intervali", "12:min interval", "14:failure reason",
                        "15:warning message", "10:tracker id", "2:ip", "4:porti", "7:peer id20:", "4:porti0e",
                        "4:porti65536e", "9:127.0.0.1", "3:::1", "5:[::1]", "11:example.com", "6:\u007f\u0000\u0000\u0001\u0000\u0000",
                        "1:\u0007", "i-1e"),
                AnnounceCodecFuzzTest::check);
        assertThat(tried).isPositive();
    }
}
