package org.enjambre.tracker.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.enjambre.tracker.protocol.AnnounceAnswer;
import org.enjambre.tracker.protocol.AnnounceEvent;
import org.enjambre.tracker.protocol.AnnounceRequest;
import org.enjambre.tracker.protocol.ReceivedAnnounce;
import org.enjambre.tracker.protocol.SwarmStats;
import org.enjambre.tracker.protocol.TrackerRefusal;
import org.enjambre.tracker.protocol.TransferStats;
import org.junit.jupiter.api.Test;

/** The announce service between a front end and the registry: allow-list, refusals, scrape-all. */
class AnnounceServiceTest {
    static final byte[] SERVED = new byte[20];
    static final byte[] OTHER = HexFormat.of().parseHex("ff".repeat(20));

    /** A registry that records what reached it and answers what the test says. */
    static final class ScriptedRegistry implements PeerRegistry {
        final List<String> calls = new ArrayList<>();
        Future<AnnounceAnswer> announceAnswer = Future.succeededFuture(new AnnounceAnswer(new SwarmStats(1, 0, 0), List.of()));

        @Override
        public Future<AnnounceAnswer> announce(ReceivedAnnounce announce) {
            calls.add("announce " + announce.infoHashHex());
            return announceAnswer;
        }

        @Override
        public Future<Map<String, SwarmStats>> scrape(List<String> infoHashes) {
            calls.add("scrape " + infoHashes);
            return Future.succeededFuture(Map.of());
        }

        @Override
        public Future<Map<String, SwarmStats>> scrapeAll(int limit) {
            calls.add("scrapeAll " + limit);
            return Future.succeededFuture(Map.of());
        }

        @Override
        public Future<Optional<SwarmSnapshot>> swarm(String infoHash) {
            return Future.succeededFuture(Optional.empty());
        }

        @Override
        public Future<Integer> sweep() {
            return Future.succeededFuture(0);
        }
    }

    final ScriptedRegistry registry = new ScriptedRegistry();
    final AnnounceService service = new AnnounceService(registry,
            new AnnounceService.Policy(1800, 900, Set.of(HexFormat.of().formatHex(SERVED))::contains));

    static ReceivedAnnounce announce(byte[] infoHash) {
        return new ReceivedAnnounce(new AnnounceRequest(infoHash, "-EJ0001-000000000000".getBytes(), 6881,
                new TransferStats(0, 0, 1), AnnounceEvent.STARTED, 50, null, null), new byte[] {10, 0, 0, 1}, true, false);
    }

    static String refusal(Future<?> f) {
        assertThat(f.failed()).as("refused").isTrue();
        assertThat(f.cause()).isInstanceOf(TrackerRefusal.class);
        return ((TrackerRefusal) f.cause()).reason();
    }

    @Test
    void aTorrentOutsideTheAllowListIsRefusedWithoutTouchingTheRegistry() {
        assertThat(refusal(service.announce(announce(OTHER)))).isEqualTo("torrent not served by this tracker");
        assertThat(refusal(service.scrape(List.of(SERVED, OTHER)))).isEqualTo("torrent not served by this tracker");
        assertThat(registry.calls).isEmpty();
        assertThat(service.announce(announce(SERVED)).result().stats()).isEqualTo(new SwarmStats(1, 0, 0));
        assertThat(registry.calls).containsExactly("announce " + HexFormat.of().formatHex(SERVED));
    }

    @Test
    void aRegistryFailureIsARetryLaterRefusalAndARegistryRefusalKeepsItsReason() {
        registry.announceAnswer = Future.failedFuture(new IllegalStateException("partition lost"));
        assertThat(refusal(service.announce(announce(SERVED)))).isEqualTo("tracker temporarily unavailable, retry later");
        registry.announceAnswer = Future.failedFuture(new TrackerRefusal("swarm full (2 peers), retry later"));
        assertThat(refusal(service.announce(announce(SERVED)))).isEqualTo("swarm full (2 peers), retry later");
    }

    @Test
    void aScrapeNamingNoTorrentAsksForEverySwarmUpToTheLimit() {
        service.scrape(List.of());
        service.scrape(List.of(SERVED));
        assertThat(registry.calls).containsExactly("scrapeAll " + AnnounceService.SCRAPE_ALL_LIMIT,
                "scrape [" + HexFormat.of().formatHex(SERVED) + "]");
    }
}
