package org.enjambre.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import org.enjambre.wire.Message;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class InterestTest {
    final ManualClock clock = new ManualClock();
    MemoryPieces torrent;
    TorrentState state;
    PiecePicker picker;
    Interest interest;

    @BeforeEach
    void setUp() throws Exception {
        torrent = new MemoryPieces(10, 16 * 1024, 8);
        state = torrent.state();
        picker = torrent.picker(state);
        interest = new Interest(state, picker);
    }

    @Test
    void weAreInterestedWhileThePeerHasAPieceWeLackAndSayWhenThatEnds() {
        FakeLink peer = torrent.link("peer", clock);
        interest.have(peer, 3);
        assertThat(peer.sent).containsExactly(Message.Interested.INSTANCE);
        assertThat(picker.availability(3)).isEqualTo(1);
        interest.have(peer, 3); // a repeated have counts once
        assertThat(picker.availability(3)).isEqualTo(1);

        state.markVerified(3);
        interest.weHave(peer, 3);
        assertThat(peer.sent).containsExactly(Message.Interested.INSTANCE, Message.NotInterested.INSTANCE);
        assertThat(peer.closed).isFalse();
    }

    @Test
    void aBitfieldCountsAsHaves() {
        FakeLink peer = torrent.link("peer", clock);
        byte[] bits = new byte[2];
        bits[0] = (byte) 0b1010_0000; // pieces 0 and 2
        interest.bitfield(peer, bits);
        assertThat(peer.state().pieces.stream().toArray()).containsExactly(0, 2);
        assertThat(peer.sent).containsExactly(Message.Interested.INSTANCE);
    }

    @Test
    void twoSeedsHaveNothingToTrade() {
        BitSet all = new BitSet();
        all.set(0, torrent.pieceCount());
        state.resetTo(all);
        FakeLink seed = torrent.link("seed", clock);
        byte[] bits = {(byte) 0xff, (byte) 0xc0};
        interest.bitfield(seed, bits);
        assertThat(seed.sent).isEmpty();
        assertThat(seed.closed).isTrue();
    }
}
