package org.enjambre.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.enjambre.swarm.PieceReceiver.PieceEvent;
import org.enjambre.wire.WireLimits;
import org.junit.jupiter.api.Test;

class SmartBanTest {
    static final int BLOCK = WireLimits.BLOCK_LENGTH;
    final List<String> bans = new ArrayList<>();
    final SmartBan smartBan = new SmartBan((peer, failures) -> bans.add(peer.peerIdHex() + " after " + failures));
    final PeerStats a = new PeerStats("a", "a");
    final PeerStats b = new PeerStats("b", "b");
    final PeerStats c = new PeerStats("c", "c");

    void blocks(int piece, PeerStats... senders) {
        for (int i = 0; i < senders.length; i++) {
            smartBan.onPieceEvent(new PieceEvent.BlockReceived(piece, i * BLOCK, senders[i]));
        }
    }

    static byte[][] digests(int... values) {
        byte[][] out = new byte[values.length][];
        for (int i = 0; i < values.length; i++) {
            out[i] = new byte[] {(byte) values[i]};
        }
        return out;
    }

    @Test
    void aPieceThatFailsWithASingleSenderBansThatSender() {
        blocks(5, a, a, a, a);
        smartBan.onPieceEvent(new PieceEvent.Failed(5, null));
        assertThat(bans).containsExactly("a after 1");
        assertThat(a.banned()).isTrue();
    }

    @Test
    void aSharedFailureIsJudgedByBlockWhenThePieceVerifies() {
        blocks(1, a, a, b, b);
        smartBan.onPieceEvent(new PieceEvent.Failed(1, digests(1, 2, 3, 99)));
        assertThat(bans).as("not yet known who sent the bad block").isEmpty();
        assertThat(smartBan.wantsBlockDigests(1)).isTrue();
        assertThat(smartBan.wantsBlockDigests(2)).isFalse();

        blocks(1, c, c, c, c);
        smartBan.onPieceEvent(new PieceEvent.Verified(1, digests(1, 2, 3, 4)));
        assertThat(bans).containsExactly("b after 1");
        assertThat(a.banned()).isFalse();
        assertThat(smartBan.wantsBlockDigests(1)).as("the evidence is settled").isFalse();
    }

    @Test
    void aPieceVerifiedOnDiskWithoutDigestsKeepsTheEvidenceUntilItCanJudge() {
        blocks(1, a, b);
        smartBan.onPieceEvent(new PieceEvent.Failed(1, digests(1, 9)));
        smartBan.onPieceEvent(new PieceEvent.Verified(1, null));
        assertThat(bans).isEmpty();
        assertThat(smartBan.wantsBlockDigests(1)).isTrue();
    }

    @Test
    void withoutBlockEvidenceAPeerInvolvedInTwoFailuresIsBanned() {
        blocks(1, a, b);
        smartBan.onPieceEvent(new PieceEvent.Failed(1, null));
        assertThat(bans).isEmpty();
        blocks(2, a, c);
        smartBan.onPieceEvent(new PieceEvent.Failed(2, null));
        assertThat(bans).containsExactly("a after 2");
        assertThat(b.hashFailures()).isEqualTo(1);
        assertThat(c.banned()).isFalse();
    }

    @Test
    void aBannedPeerIsNotBannedTwice() {
        blocks(1, a);
        smartBan.onPieceEvent(new PieceEvent.Failed(1, null));
        blocks(2, a);
        smartBan.onPieceEvent(new PieceEvent.Failed(2, null));
        assertThat(bans).containsExactly("a after 1");
    }

    @Test
    void aVerifiedPieceForgetsItsSenders() {
        blocks(1, a, a);
        smartBan.onPieceEvent(new PieceEvent.Verified(1, null));
        smartBan.onPieceEvent(new PieceEvent.Failed(1, null)); // a later failure of a re-fetch names nobody
        assertThat(bans).isEmpty();
        assertThat(a.hashFailures()).isZero();
    }
}
