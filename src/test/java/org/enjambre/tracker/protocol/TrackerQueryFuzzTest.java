package org.enjambre.tracker.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.enjambre.testutil.FuzzCorpus;
import org.junit.jupiter.api.Test;

/**
 * Fuzz target {@code tracker-query}: the query string of an announce or a scrape (the input read as
 * UTF-8, as a URL may carry anything) is parsed or refused with a {@link TrackerRefusal}, whose
 * reason the client sees; nothing else is thrown. What is accepted holds the limits the tracker
 * promises (20-byte hashes and ids, ports 1..65535, numwant capped, at most 100 distinct scrape
 * hashes), a client that is not on loopback never chooses the address registered for it, and
 * decoded values percent-encode back to a query that decodes to the same bytes.
 */
class TrackerQueryFuzzTest {
    static final String TARGET = "tracker-query";
    private static final byte[] REMOTE = {(byte) 203, 0, 113, 7};
    private static final byte[] LOOPBACK = {127, 0, 0, 1};
    private static final List<String> NAMES = List.of("info_hash", "peer_id", "port", "uploaded", "downloaded",
            "left", "event", "numwant", "compact", "no_peer_id", "key", "ip", "trackerid");

    static void check(byte[] input) {
        String raw = new String(input, StandardCharsets.UTF_8);
        QueryString q;
        try {
            q = QueryString.parse(raw);
        } catch (TrackerRefusal e) {
            assertThat(e.reason()).isNotBlank();
            assertRefusedEverywhere(raw);
            return;
        }
        assertThat(raw.chars().allMatch(c -> c <= 0xff)).as("only byte-sized characters accepted").isTrue();
        assertReencodes(q);
        for (byte[] remote : List.of(REMOTE, LOOPBACK)) {
            try {
                ReceivedAnnounce received = AnnounceParser.parse(raw, remote);
                AnnounceRequest r = received.request();
                assertThat(r.infoHash()).hasSize(20);
                assertThat(r.peerId()).hasSize(20);
                assertThat(r.port()).isBetween(1, 65535);
                assertThat(r.numwant()).isBetween(0, AnnounceParser.MAX_NUMWANT);
                assertThat(r.stats().left()).isNotNegative();
                assertThat(r.stats().uploaded()).isNotNegative();
                assertThat(r.stats().downloaded()).isNotNegative();
                assertThat(received.ip().length).isIn(4, 16);
                if (remote == REMOTE) {
                    assertThat(received.ip()).as("a remote client cannot choose its address").isEqualTo(REMOTE);
                }
                if (r.key() != null) {
                    assertThat(r.key().length()).isLessThanOrEqualTo(AnnounceParser.MAX_KEY_LENGTH);
                }
            } catch (TrackerRefusal e) {
                assertThat(e.reason()).isNotBlank();
            }
        }
        try {
            List<byte[]> hashes = ScrapeParser.parse(raw);
            assertThat(hashes.size()).isLessThanOrEqualTo(ScrapeParser.MAX_HASHES);
            for (int i = 0; i < hashes.size(); i++) {
                assertThat(hashes.get(i)).hasSize(20);
                for (int j = 0; j < i; j++) {
                    assertThat(hashes.get(i)).as("scrape hashes distinct").isNotEqualTo(hashes.get(j));
                }
            }
        } catch (TrackerRefusal e) {
            assertThat(e.reason()).isNotBlank();
        }
    }

    /** A query the string parser refuses is refused by both request parsers too. */
    private static void assertRefusedEverywhere(String raw) {
        for (byte[] remote : List.of(REMOTE, LOOPBACK)) {
            try {
                AnnounceParser.parse(raw, remote);
                throw new AssertionError("announce accepted a query the parser refuses");
            } catch (TrackerRefusal expected) {
                assertThat(expected.reason()).isNotBlank();
            }
        }
        try {
            ScrapeParser.parse(raw);
            throw new AssertionError("scrape accepted a query the parser refuses");
        } catch (TrackerRefusal expected) {
            assertThat(expected.reason()).isNotBlank();
        }
    }

    private static void assertReencodes(QueryString q) {
        List<String> parts = new ArrayList<>();
        for (String name : NAMES) {
            for (byte[] value : q.all(name)) {
                parts.add(name + "=" + percentEncode(value));
            }
        }
        QueryString again;
        try {
            again = QueryString.parse(String.join("&", parts));
        } catch (TrackerRefusal e) {
            // Re-encoding can only lengthen the query: past the limit, a refusal is right.
            assertThat(e.reason()).contains("too long");
            return;
        }
        for (String name : NAMES) {
            List<byte[]> before = q.all(name);
            List<byte[]> after = again.all(name);
            assertThat(after).hasSameSizeAs(before);
            for (int i = 0; i < before.size(); i++) {
                assertThat(after.get(i)).isEqualTo(before.get(i));
            }
        }
    }

    private static String percentEncode(byte[] value) {
        StringBuilder sb = new StringBuilder();
        for (byte b : value) {
            sb.append('%').append(String.format("%02X", b & 0xff));
        }
        return sb.toString();
    }

    @FuzzTest
    void announceAndScrapeQuery(byte[] input) {
        check(input);
    }

    @Test
    void everySeedQueryIsServedWithinTheLimitsOrRefusedWithAReason() {
        FuzzCorpus.replay(TARGET, TrackerQueryFuzzTest::check);
    }

    @Test
    void mutatedSeedQueriesAreServedWithinTheLimitsOrRefusedWithAReason() {
        int tried = FuzzCorpus.mutate(TARGET, 15L, 10_000,
                FuzzCorpus.tokens("&", "=", "%", "%0", "%g0", "+", "&info_hash=", "&peer_id=", "&port=", "&port=0",
                        "&port=65536", "&left=-1", "&numwant=99999999999999999999", "&event=started", "&event=paused",
                        "&ip=::1", "&ip=[::ffff:127.0.0.1]", "&ip=fe80::1%25eth0", "&key=", "&compact=0", "\u0100", "\u00ff"),
                TrackerQueryFuzzTest::check);
        assertThat(tried).isPositive();
    }
}
