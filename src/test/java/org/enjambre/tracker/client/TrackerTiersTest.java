package org.enjambre.tracker.client;



import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class TrackerTiersTest {
    @Test
    void announceListWinsOverAnnounce() {
        TrackerTiers tiers = TrackerTiers.inOrder("http://single/announce",
                List.of(List.of("http://a/announce", "http://b/announce"), List.of("https://c/announce")));
        assertThat(tiers.snapshot()).containsExactly(List.of("http://a/announce", "http://b/announce"), List.of("https://c/announce"));
    }

    @Test
    void announceAloneIsOneTier() {
        assertThat(TrackerTiers.of("http://single/announce", null).snapshot()).containsExactly(List.of("http://single/announce"));
        assertThat(TrackerTiers.of("http://single/announce", List.of(List.of())).snapshot()).containsExactly(List.of("http://single/announce"));
        assertThat(TrackerTiers.of(null, null).isEmpty()).isTrue();
    }

    @Test
    void unsupportedSchemesAndPortlessUdpAreSkippedAndDuplicatesKeptOnce() {
        TrackerTiers tiers = TrackerTiers.inOrder(null, List.of(
                List.of("udp://tracker.example:1337/announce", "http://a/announce"),
                List.of("udp://only-udp:80"),
                List.of("udp://no-port/announce"),
                List.of("wss://tracker.example", "not a url", "http:///nohost", "HTTP://a/announce", "http://a/announce", "http://d/announce")));
        assertThat(tiers.snapshot()).containsExactly(List.of("udp://tracker.example:1337/announce", "http://a/announce"),
                List.of("udp://only-udp:80"), List.of("HTTP://a/announce", "http://d/announce"));
    }

    @Test
    void eachTierIsShuffledWithinItselfOnly() {
        List<String> first = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            first.add("http://t" + i + "/announce");
        }
        List<List<String>> list = List.of(first, List.of("http://last/announce"));
        Set<List<String>> orders = new HashSet<>();
        for (int seed = 0; seed < 10; seed++) {
            List<List<String>> shuffled = TrackerTiers.of(null, list, new Random(seed)).snapshot();
            assertThat(shuffled.get(0)).containsExactlyInAnyOrderElementsOf(first);
            assertThat(shuffled.get(1)).containsExactly("http://last/announce");
            orders.add(shuffled.get(0));
        }
        assertThat(orders).as("different seeds give different orders").hasSizeGreaterThan(1);
    }

    @Test
    void promoteMovesAUrlToTheFrontOfItsOwnTier() {
        TrackerTiers tiers = TrackerTiers.inOrder(null, List.of(List.of("http://a/", "http://b/", "http://c/"), List.of("http://d/", "http://e/")));
        tiers.promote("http://c/");
        tiers.promote("http://e/");
        assertThat(tiers.snapshot()).containsExactly(List.of("http://c/", "http://a/", "http://b/"), List.of("http://e/", "http://d/"));
        assertThat(tiers.urls()).containsExactly("http://c/", "http://a/", "http://b/", "http://e/", "http://d/");
    }

    @Test
    void passkeysNeverReachLogsOrErrors() {
        assertThat(TrackerTiers.redact("http://t.example:80/announce?passkey=s3cr3t")).isEqualTo("http://t.example:80/announce?…");
        assertThat(TrackerTiers.redact("https://user:pw@t.example/a")).isEqualTo("https://…@t.example/a");
        assertThat(TrackerTiers.redact("http://t.example/a/b@c")).isEqualTo("http://t.example/a/b@c");
        assertThat(TrackerTiers.redact("http://t.example/announce")).isEqualTo("http://t.example/announce");
        AllTrackersFailedException e = new AllTrackersFailedException(
                java.util.Map.of("http://t.example/announce?passkey=s3cr3t", new RuntimeException("HTTP 500")));
        assertThat(e.getMessage()).isEqualTo("every tracker failed: http://t.example/announce?… (HTTP 500)");
    }
}
