package org.enjambre.dht;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.enjambre.net.PeerAddress;
import org.junit.jupiter.api.Test;

class PeerStoreTest {
    final AtomicLong now = new AtomicLong();
    final PeerStore store = new PeerStore(new PeerStore.Limits(2, 3, 2), now::get);
    final NodeId a = NodeId.random();
    final NodeId b = NodeId.random();
    final NodeId c = NodeId.random();

    static PeerAddress peer(int i) {
        return new PeerAddress("127.0.0." + i, 6881);
    }

    @Test
    void peersPerTorrentAreCappedAndTheStoreSaysSoBeforehand() {
        for (int i = 1; i <= 3; i++) {
            assertThat(store.accepts(a)).isTrue();
            assertThat(store.store(a, peer(i))).isTrue();
        }
        assertThat(store.accepts(a)).isFalse();
        assertThat(store.store(a, peer(4))).isFalse();
        assertThat(store.store(a, peer(2))).as("a known peer re-announces").isTrue();
        assertThat(store.peerCount()).isEqualTo(3);
    }

    @Test
    void torrentsAreCapped() {
        store.store(a, peer(1));
        store.store(b, peer(1));
        assertThat(store.accepts(c)).isFalse();
        assertThat(store.store(c, peer(1))).isFalse();
        assertThat(store.torrents()).isEqualTo(2);
    }

    @Test
    void aReplyHoldsAtMostPeersPerReply() {
        for (int i = 1; i <= 3; i++) {
            store.store(a, peer(i));
        }
        assertThat(store.peers(a)).hasSize(2).doesNotHaveDuplicates();
        assertThat(store.peers(b)).isEmpty();
    }

    @Test
    void peersExpireUnlessTheyAnnounceAgain() {
        store.store(a, peer(1));
        store.store(a, peer(2));
        now.addAndGet(PeerStore.EXPIRY_MILLIS - 1);
        store.store(a, peer(2));
        now.addAndGet(1);
        assertThat(store.peers(a)).containsExactly(peer(2));
        store.expire();
        assertThat(store.peerCount()).isEqualTo(1);
        now.addAndGet(PeerStore.EXPIRY_MILLIS);
        store.expire();
        assertThat(store.torrents()).isZero();
        assertThat(store.peerCount()).isZero();
        assertThat(store.accepts(c)).isTrue();
    }
}
