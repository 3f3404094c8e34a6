package org.enjambre.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.enjambre.net.PeerAddress;
import org.enjambre.net.PeerOrigin;
import org.junit.jupiter.api.Test;

class PeerListTest {
    final ManualClock clock = new ManualClock();
    /** Every dial: when (ms on the clock) and where. */
    final List<String> dials = new ArrayList<>();
    final List<Long> dialTimes = new ArrayList<>();
    final List<FakeLink> links = new ArrayList<>();
    boolean reachable = true;
    PeerList list;

    static EngineOptions limits(int maxConnections, int target, int perIp, int known) {
        return EngineOptions.defaults().with(new EngineOptions.Limits(EngineOptions.DEFAULT_REQUEST_QUEUE_DEPTH,
                EngineOptions.DEFAULT_ENDGAME_REDUNDANCY, EngineOptions.DEFAULT_MAX_UPLOAD_QUEUE,
                EngineOptions.DEFAULT_MAX_READS_PER_PEER, maxConnections, target, perIp, known));
    }

    PeerList list(EngineOptions options) {
        list = new PeerList("test", options, clock, address -> {
            dials.add(address.toString());
            dialTimes.add(clock.nanoTime() / 1_000_000);
            if (!reachable) {
                return Future.failedFuture("connection refused");
            }
            FakeLink link = new FakeLink("peer" + links.size(), address, 4, 16384, 65536, clock.nanoTime());
            link.onClose = () -> list.closed(link);
            links.add(link);
            return Future.succeededFuture(link);
        });
        return list;
    }

    static PeerAddress at(String text) {
        return PeerAddress.parse(text);
    }

    /** Ticks every 100 ms for {@code millis}, as the engine's timer would (it ticks every 500 ms). */
    void run(long millis) {
        for (long t = 0; t < millis; t += 100) {
            clock.advanceMillis(100);
            list.redial(clock.nanoTime());
        }
    }

    /** Seconds between one dial and the next. */
    List<Long> gapsInSeconds() {
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < dialTimes.size(); i++) {
            gaps.add(Math.round((dialTimes.get(i) - dialTimes.get(i - 1)) / 1000.0));
        }
        return gaps;
    }

    @Test
    void anUnreachablePeerIsRedialledAfterOneSecondDoublingUpToSixty() {
        list(EngineOptions.defaults());
        reachable = false;
        list.add(at("10.0.0.1:6881"), PeerOrigin.TRACKER);
        list.redial(clock.nanoTime());
        run(200_000);
        assertThat(gapsInSeconds().subList(0, 8)).containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L);
    }

    @Test
    void anAcceptedHandshakeRestartsTheBackoff() {
        list(EngineOptions.defaults());
        reachable = false;
        list.add(at("10.0.0.1:6881"), PeerOrigin.TRACKER);
        list.redial(clock.nanoTime());
        run(8_000); // dialled at 0, 1, 3 and 7 s: the next wait is 8 s
        assertThat(dials).hasSize(4);
        reachable = true;
        run(8_000); // connected at 15 s; had it failed, the next try would have been at 31 s, then 63 s
        FakeLink link = links.getLast();
        list.register(link);
        link.close(null);
        reachable = false;
        dialTimes.clear();
        run(30_000);
        assertThat(gapsInSeconds()).as("the waits start again at one second, not at 16").startsWith(1L, 2L, 4L);
    }

    @Test
    void whileWeSeedAPeerSeenAsASeedIsNotDialledAgainAndOnceWeLackPiecesItIs() {
        list(EngineOptions.defaults());
        list.add(at("10.0.0.1:6881"), PeerOrigin.TRACKER);
        list.add(at("10.0.0.2:6881"), PeerOrigin.TRACKER);
        list.redial(clock.nanoTime(), true);
        assertThat(dials).containsExactly("10.0.0.1:6881", "10.0.0.2:6881");
        FakeLink seed = links.get(0);
        FakeLink leecher = links.get(1);
        list.register(seed);
        list.register(leecher);
        list.seedSeen(seed); // it had every piece as its connection closed: two seeds have nothing to trade
        seed.close(null);
        leecher.close(null);
        for (long t = 0; t < 200_000; t += 100) {
            clock.advanceMillis(100);
            list.redial(clock.nanoTime(), true);
        }
        assertThat(dials.subList(2, dials.size())).as("only the leecher is dialled again while we seed")
                .isNotEmpty().containsOnly("10.0.0.2:6881");

        dials.clear();
        clock.advanceMillis(60_000);
        list.redial(clock.nanoTime(), false); // we lack pieces again (a piece failed a recheck, say)
        assertThat(dials).contains("10.0.0.1:6881");
    }

    @Test
    void aCandidateFoundConnectedAlreadyIsDialledAgainOnlyOnceThatConnectionCloses() {
        list(EngineOptions.defaults());
        list.add(at("127.0.0.1:7001"), PeerOrigin.TRACKER); // loopback: no one-connection-per-address rule
        list.redial(clock.nanoTime());
        FakeLink dialled = links.getFirst();
        FakeLink incoming = new FakeLink("incoming", at("127.0.0.1:50000"), 4, 16384, 65536, clock.nanoTime());
        incoming.onClose = () -> list.closed(incoming);
        list.opened(incoming);
        list.register(incoming);

        list.sameAs(dialled, incoming); // the handshake said: the peer of that incoming connection
        dialled.close(null);
        run(120_000);
        assertThat(dials).as("not dialled while its incoming connection lasts").hasSize(1);

        incoming.close(null);
        run(1_000);
        assertThat(dials).as("dialled again once that connection is gone").hasSize(2);
    }

    @Test
    void aPeerThatDialledUsAndNamedItsListenPortIsNotDialledThereWhileConnected() {
        list(EngineOptions.defaults());
        list.add(at("127.0.0.1:7001"), PeerOrigin.TRACKER);
        FakeLink first = new FakeLink("first", at("127.0.0.1:50000"), 4, 16384, 65536, clock.nanoTime());
        FakeLink second = new FakeLink("second", at("127.0.0.1:50001"), 4, 16384, 65536, clock.nanoTime());
        for (FakeLink incoming : List.of(first, second)) {
            incoming.onClose = () -> list.closed(incoming);
            list.opened(incoming);
            list.register(incoming);
        }

        list.listensAt(first, 7001); // known before: a tracker named it
        list.listensAt(second, 7002); // known after: PEX names it later
        list.add(at("127.0.0.1:7002"), PeerOrigin.PEX);
        run(120_000);
        assertThat(dials).as("neither dialled while its own connection lasts").isEmpty();

        second.close(null);
        run(1_000);
        assertThat(dials).containsExactly("127.0.0.1:7002");
    }

    @Test
    void aBannedPeerIsRefusedByIdAndTheAddressWeDialledIsNeverDialledAgain() {
        list(EngineOptions.defaults());
        list.add(at("10.0.0.1:6881"), PeerOrigin.TRACKER);
        list.redial(clock.nanoTime());
        FakeLink link = links.getFirst();
        list.register(link);
        list.ban(link.state().stats);
        assertThat(link.closed).isTrue();
        assertThat(link.closeReason).contains("banned");
        assertThat(list.banned(link.state().stats.peerIdHex())).isTrue();
        assertThat(list.connected()).isEmpty();
        run(120_000);
        assertThat(dials).hasSize(1);
        assertThat(list.dialNow(at("10.0.0.1:6881"), PeerOrigin.MANUAL).cause()).hasMessageContaining("banned");
    }

    @Test
    void oneConnectionPerRemoteAddressExceptOnLoopback() {
        list(limits(80, 40, 1, 1000));
        list.add(at("10.0.0.1:6881"), PeerOrigin.TRACKER);
        list.add(at("10.0.0.1:6882"), PeerOrigin.PEX);
        list.add(at("127.0.0.1:7001"), PeerOrigin.MANUAL);
        list.add(at("127.0.0.1:7002"), PeerOrigin.MANUAL);
        list.add(at("127.0.0.1:7003"), PeerOrigin.MANUAL);
        list.redial(clock.nanoTime());
        assertThat(dials).containsExactly("10.0.0.1:6881", "127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003");
        assertThat(list.admit(at("10.0.0.1:50000"))).contains("10.0.0.1");
        assertThat(list.admit(at("10.0.0.2:50000"))).isNull();
        assertThat(list.admit(at("127.0.0.1:50000"))).isNull();
    }

    @Test
    void dialsStopAtTheTargetAndTheLimitRefusesMore() {
        list(limits(3, 2, 1, 1000));
        for (int i = 1; i <= 5; i++) {
            list.add(at("10.0.0." + i + ":6881"), PeerOrigin.TRACKER);
        }
        list.redial(clock.nanoTime());
        assertThat(dials).hasSize(2);
        assertThat(list.dialNow(at("10.0.0.9:6881"), PeerOrigin.MANUAL).succeeded()).isTrue();
        assertThat(list.dialNow(at("10.0.0.8:6881"), PeerOrigin.MANUAL).cause())
                .hasMessageContaining("connection limit");
    }

    @Test
    void aNewPeerAtTheLimitTakesTheSlotOfTheIdlestPeer() {
        list(limits(2, 2, 1, 1000));
        list.add(at("10.0.0.1:6881"), PeerOrigin.TRACKER);
        list.add(at("10.0.0.2:6881"), PeerOrigin.TRACKER);
        list.redial(clock.nanoTime());
        FakeLink idle = links.get(0);
        FakeLink busy = links.get(1);
        list.register(idle);
        list.register(busy);
        busy.state().peerInterested = true;
        assertThat(list.admit(at("10.0.0.3:50000"))).as("nobody idle long enough yet").contains("connection limit");

        clock.advanceMillis(EngineOptions.DEFAULT_IDLE_EVICTION.toMillis() + 1);
        assertThat(list.admit(at("10.0.0.3:50000"))).isNull();
        assertThat(idle.closed).isTrue();
        assertThat(idle.closeReason).contains("idle");
        assertThat(busy.closed).isFalse();
    }

    @Test
    void knownCandidatesAreCappedAtTheNamedLimit() {
        list(limits(80, 1, 1, 3));
        for (int i = 1; i <= 5; i++) {
            boolean kept = list.add(at("10.0.0." + i + ":6881"), PeerOrigin.DHT);
            assertThat(kept).isEqualTo(i <= 3);
        }
        assertThat(list.knownCount()).isEqualTo(3);
        assertThat(list.add(at("10.0.0.1:6881"), PeerOrigin.PEX)).as("already known").isFalse();
    }
}
