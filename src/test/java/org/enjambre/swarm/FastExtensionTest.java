package org.enjambre.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.enjambre.net.PeerAddress;
import org.enjambre.wire.Handshake;
import org.enjambre.wire.Message;
import org.enjambre.wire.ReservedBit;
import org.enjambre.wire.WireLimits;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** BEP 6 in the engine's rooms, with fake links and a manual clock. */
class FastExtensionTest {
    static final int BLOCK = WireLimits.BLOCK_LENGTH;
    static final byte[] INFO_HASH = new byte[20];
    static final Handshake FAST_PEER = Handshake.withBits(Set.of(ReservedBit.EXTENSION_PROTOCOL,
            ReservedBit.FAST_EXTENSION), INFO_HASH, new byte[20]);
    static final Handshake PLAIN_PEER = Handshake.withBits(Set.of(ReservedBit.EXTENSION_PROTOCOL), INFO_HASH,
            new byte[20]);
    final ManualClock clock = new ManualClock();
    MemoryPieces torrent;
    TorrentState state;
    PiecePicker picker;
    RequestScheduler requests;
    UploadScheduler uploads;
    Interest interest;
    FastExtension fast;

    @BeforeEach
    void setUp() throws Exception {
        torrent = new MemoryPieces(64, 4 * BLOCK, 5);
        state = torrent.state();
    }

    /** The rooms of a torrent that has {@code pieces}. */
    void torrentWith(BitSet pieces) {
        state.resetTo(pieces);
        picker = torrent.picker(state);
        requests = new RequestScheduler("test", picker, state, EngineOptions.defaults(), clock);
        requests.start();
        uploads = new UploadScheduler(torrent.info, state, picker, torrent.new Store(true), MemoryPieces.AT_ONCE,
                new RateLimiter(0, null, clock::nanoTime), clock, EngineOptions.defaults());
        interest = new Interest(state, picker);
        fast = new FastExtension(INFO_HASH, state, interest, requests);
    }

    static BitSet pieces(int from, int to) {
        BitSet b = new BitSet();
        b.set(from, to);
        return b;
    }

    FakeLink connect(String name, String ip, Handshake theirs) {
        FakeLink link = new FakeLink(name, new PeerAddress(ip, 6881), torrent.pieceCount(), 4 * BLOCK,
                64L * 4 * BLOCK, clock.nanoTime());
        requests.add(link);
        uploads.add(link);
        fast.greet(link, theirs);
        return link;
    }

    @Test
    void canonicalAllowedFastSetMatchesTheVectorsOfBep6() {
        byte[] ip = {80, 4, 4, (byte) 200};
        byte[] infoHash = HexFormat.of().parseHex("aa".repeat(20));
        assertThat(FastExtension.allowedFastSet(ip, infoHash, 1313, 7))
                .containsExactly(1059, 431, 808, 1217, 287, 376, 1188);
        assertThat(FastExtension.allowedFastSet(ip, infoHash, 1313, 9))
                .containsExactly(1059, 431, 808, 1217, 287, 376, 1188, 353, 508);
        // The last byte of the address does not matter: one set per /24.
        assertThat(FastExtension.allowedFastSet(new byte[] {80, 4, 4, 1}, infoHash, 1313, 9))
                .isEqualTo(FastExtension.allowedFastSet(ip, infoHash, 1313, 9));
        // Fewer pieces than k: every piece, each once.
        assertThat(FastExtension.allowedFastSet(ip, infoHash, 3, 10)).containsExactlyInAnyOrder(0, 1, 2);
    }

    @Test
    void aSeedSaysHaveAllAndOffersItsAllowedFastSetToAFastPeer() {
        torrentWith(pieces(0, 64));
        FakeLink peer = connect("fast", "10.1.2.3", FAST_PEER);
        assertThat(peer.state().fastExtension()).isTrue();
        assertThat(peer.sent.getFirst()).isEqualTo(Message.HaveAll.INSTANCE);
        assertThat(peer.sent(Message.Bitfield.class)).isEmpty();
        List<Integer> expected = FastExtension.allowedFastSet(new byte[] {10, 1, 2, 3}, INFO_HASH, 64,
                FastExtension.ALLOWED_FAST_SET_SIZE);
        assertThat(peer.sent(Message.AllowedFast.class)).extracting(Message.AllowedFast::index)
                .containsExactlyElementsOf(expected).hasSize(10);
        assertThat(state.fastPeers()).isEqualTo(1);
    }

    @Test
    void aLeecherWithNothingSaysHaveNoneAndAPartialOneItsBitfield() {
        torrentWith(new BitSet());
        assertThat(connect("empty", "10.1.2.3", FAST_PEER).sent).containsExactly(Message.HaveNone.INSTANCE);

        torrentWith(pieces(0, 3));
        FakeLink partial = connect("partial", "10.1.2.3", FAST_PEER);
        assertThat(partial.sent.getFirst()).isEqualTo(new Message.Bitfield(state.bitfieldBytes()));
        // Only allowed fast pieces we have are offered.
        assertThat(partial.sent(Message.AllowedFast.class)).allSatisfy(m -> assertThat(m.index()).isLessThan(3));
    }

    @Test
    void aPieceOfThePeersAllowedFastSetIsOfferedOnceWeVerifyIt() {
        torrentWith(new BitSet());
        FakeLink peer = connect("fast", "10.1.2.3", FAST_PEER);
        assertThat(peer.sent(Message.AllowedFast.class)).isEmpty();
        int inSet = peer.state().allowedFastForThem.nextSetBit(0);
        int notInSet = peer.state().allowedFastForThem.nextClearBit(0);
        state.markVerified(notInSet);
        fast.pieceVerified(peer, notInSet);
        state.markVerified(inSet);
        fast.pieceVerified(peer, inSet);
        assertThat(peer.sent(Message.AllowedFast.class)).containsExactly(new Message.AllowedFast(inSet));

        FakeLink hasIt = connect("has it", "10.1.2.3", FAST_PEER).has(inSet);
        hasIt.clearSent();
        fast.pieceVerified(hasIt, inSet);
        assertThat(hasIt.sent).as("no use offering a piece the peer has").isEmpty();
    }

    @Test
    void aPeerWithoutTheBitGetsABitfieldAndNoFastMessage() {
        torrentWith(pieces(0, 64));
        FakeLink plain = connect("plain", "10.1.2.3", PLAIN_PEER);
        assertThat(plain.state().fastExtension()).isFalse();
        assertThat(plain.sent).containsExactly(new Message.Bitfield(state.bitfieldBytes()));

        torrentWith(new BitSet());
        assertThat(connect("plain", "10.1.2.3", PLAIN_PEER).sent).isEmpty();
    }

    @Test
    void aRequestWhileChokedIsRejectedForAFastPeerAndDroppedForAPlainOne() {
        torrentWith(pieces(0, 64));
        FakeLink fastPeer = connect("fast", "10.1.2.3", FAST_PEER);
        FakeLink plain = connect("plain", "10.9.9.9", PLAIN_PEER);
        int notAllowed = firstNotIn(fastPeer.state().allowedFastForThem);
        fastPeer.clearSent();
        plain.clearSent();
        uploads.onRequest(fastPeer, new Message.Request(notAllowed, 0, BLOCK));
        uploads.onRequest(plain, new Message.Request(notAllowed, 0, BLOCK));
        assertThat(fastPeer.sent).containsExactly(new Message.RejectRequest(notAllowed, 0, BLOCK));
        assertThat(plain.sent).isEmpty();
        assertThat(state.rejectsSent()).isEqualTo(1);
    }

    @Test
    void aRequestForAPieceWeLackIsRejectedEvenWhenUnchoked() {
        torrentWith(pieces(0, 32));
        FakeLink peer = connect("fast", "10.1.2.3", FAST_PEER);
        peer.state().amChoking = false;
        peer.clearSent();
        uploads.onRequest(peer, new Message.Request(40, BLOCK, BLOCK));
        uploads.onRequest(peer, new Message.Request(1, 0, BLOCK));
        assertThat(peer.sent).containsExactly(new Message.RejectRequest(40, BLOCK, BLOCK),
                new Message.Piece(1, 0, torrent.block(1, 0)));
    }

    @Test
    void anAllowedFastPieceIsServedWhileChoked() {
        torrentWith(pieces(0, 64));
        FakeLink peer = connect("fast", "10.1.2.3", FAST_PEER);
        int allowed = peer.state().allowedFastForThem.nextSetBit(0);
        peer.clearSent();
        uploads.onRequest(peer, new Message.Request(allowed, 2 * BLOCK, BLOCK));
        assertThat(peer.sent).containsExactly(new Message.Piece(allowed, 2 * BLOCK, torrent.block(allowed, 2 * BLOCK)));
        assertThat(peer.state().amChoking()).isTrue();
    }

    @Test
    void chokingAFastPeerRejectsItsQueueButKeepsItsAllowedFastRequests() {
        torrentWith(pieces(0, 64));
        FakeLink peer = connect("fast", "10.1.2.3", FAST_PEER);
        int allowed = peer.state().allowedFastForThem.nextSetBit(0);
        int other = firstNotIn(peer.state().allowedFastForThem);
        peer.state().amChoking = false;
        peer.writeQueueFull = true; // nothing goes out: the requests stay queued
        uploads.onRequest(peer, new Message.Request(other, 0, BLOCK));
        uploads.onRequest(peer, new Message.Request(allowed, 0, BLOCK));
        peer.clearSent();
        peer.state().amChoking = true;
        uploads.choked(peer);
        assertThat(peer.sent).containsExactly(new Message.RejectRequest(other, 0, BLOCK));
        assertThat(uploads.queued(peer)).isEqualTo(1);
        peer.drained();
        assertThat(peer.sent(Message.Piece.class)).containsExactly(new Message.Piece(allowed, 0, torrent.block(allowed, 0)));
    }

    @Test
    void haveAllMakesUsInterestedAndCountsIt() {
        torrentWith(new BitSet());
        FakeLink seed = connect("seed", "10.1.2.3", FAST_PEER);
        seed.clearSent();
        fast.onMessage(seed, Message.HaveAll.INSTANCE);
        assertThat(seed.state().pieces.cardinality()).isEqualTo(64);
        assertThat(seed.sent).containsExactly(Message.Interested.INSTANCE);
        assertThat(state.haveAllsReceived()).isEqualTo(1);
        assertThat(picker.availability(7)).isEqualTo(1);
    }

    @Test
    void aRejectedBlockIsAskedOfAnotherPeerAtOnceAndNotOfTheRejecterAgain() {
        torrentWith(new BitSet());
        FakeLink a = connect("a", "10.1.2.3", FAST_PEER).seed().unchokingUs();
        FakeLink b = connect("b", "10.4.5.6", FAST_PEER).seed().unchokingUs();
        requests.fill(a);
        requests.fill(b);
        Message.Request rejected = a.sent(Message.Request.class).getFirst();
        Message.Request answered = b.sent(Message.Request.class).getFirst();
        a.clearSent();
        b.clearSent();
        fast.onMessage(a, new Message.RejectRequest(rejected.index(), rejected.begin(), rejected.length()));
        assertThat(state.rejectsReceived()).isEqualTo(1);
        // a's pipeline is topped up again, but never with the piece it rejected.
        assertThat(requests.outstanding(a)).isEqualTo(RequestScheduler.MIN_REQUEST_DEPTH);
        assertThat(a.sent(Message.Request.class)).isNotEmpty().noneMatch(r -> r.index() == rejected.index());
        // b's pipeline was full; once it has room, the rejected block is asked of it.
        assertThat(requests.accept(b, new Message.Piece(answered.index(), answered.begin(),
                torrent.block(answered.index(), answered.begin())))).isTrue();
        requests.fill(b);
        assertThat(b.sent(Message.Request.class)).contains(rejected);
        // A reject for a request no longer outstanding changes nothing.
        fast.onMessage(a, new Message.RejectRequest(rejected.index(), rejected.begin(), rejected.length()));
        assertThat(state.rejectsReceived()).isEqualTo(1);
        // Unchoked anew, a may be asked for that piece again.
        requests.onUnchoke(a);
    }

    @Test
    void whileChokedByAFastPeerOnlyItsAllowedFastPiecesAreRequestedAndTheyOutliveAChoke() {
        torrentWith(new BitSet());
        FakeLink peer = connect("fast", "10.1.2.3", FAST_PEER);
        fast.onMessage(peer, Message.HaveAll.INSTANCE); // interested, still choked
        peer.clearSent();
        requests.fill(peer);
        assertThat(peer.sent(Message.Request.class)).isEmpty();
        fast.onMessage(peer, new Message.AllowedFast(9));
        assertThat(peer.sent(Message.Request.class)).hasSize(4).allMatch(r -> r.index() == 9);
        // Unchoked, then choked again: the allowed fast requests stand, the others go back.
        peer.state().peerChoking = false;
        requests.onUnchoke(peer);
        assertThat(requests.outstanding(peer)).isEqualTo(RequestScheduler.MIN_REQUEST_DEPTH);
        peer.state().peerChoking = true;
        requests.onChoke(peer);
        assertThat(requests.outstanding(peer)).isEqualTo(4);
    }

    private static int firstNotIn(BitSet set) {
        return set.nextClearBit(0);
    }
}
