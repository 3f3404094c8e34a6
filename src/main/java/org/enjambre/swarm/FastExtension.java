package org.enjambre.swarm;

import java.net.Inet4Address;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import org.enjambre.net.PeerAddress;
import org.enjambre.wire.Handshake;
import org.enjambre.wire.Message;
import org.enjambre.wire.ReservedBit;

/**
 * BEP 6, the fast extension, for one torrent, on the connections whose two handshakes set its bit:
 * our pieces said as {@code have all}/{@code have none} when they fit (a bitfield otherwise), an
 * allowed fast set for each new IPv4 peer (BEP 6's canonical algorithm), and the peer's fast messages
 * routed to the rooms they concern: {@code have all} to {@link Interest}, {@code allowed fast} and
 * {@code reject request} to the {@link RequestScheduler}. {@code suggest piece} is a hint we ignore:
 * rarest first decides. Serving the allowed fast pieces while choked and rejecting the rest is the
 * {@link UploadScheduler}'s. Used on the engine's context only.
 */
final class FastExtension {
    /** Pieces in each peer's allowed fast set (BEP 6's k; libtorrent's default too). */
    static final int ALLOWED_FAST_SET_SIZE = 10;

    private final byte[] infoHash;
    private final TorrentState state;
    private final Interest interest;
    private final RequestScheduler requests;

    FastExtension(byte[] infoHash, TorrentState state, Interest interest, RequestScheduler requests) {
        this.infoHash = infoHash.clone();
        this.state = state;
        this.interest = interest;
        this.requests = requests;
    }

    /** Whether BEP 6 is on between us and the sender of {@code theirs}. */
    static boolean negotiated(Handshake theirs) {
        return Handshake.SUPPORTED.contains(ReservedBit.FAST_EXTENSION) && theirs.has(ReservedBit.FAST_EXTENSION);
    }

    /**
     * Right after the handshakes (and the extended handshake): what we have, and under BEP 6 the
     * allowed fast set of pieces this peer may fetch from us while we choke it.
     */
    void greet(PeerLink link, Handshake theirs) {
        PeerState peer = link.state();
        peer.fastExtension = negotiated(theirs);
        int have = state.verifiedCount();
        if (!peer.fastExtension) {
            if (have > 0) {
                link.send(new Message.Bitfield(state.bitfieldBytes()));
            }
            return;
        }
        state.fastPeer();
        if (have == state.pieceCount()) {
            link.send(Message.HaveAll.INSTANCE);
        } else if (have == 0) {
            link.send(Message.HaveNone.INSTANCE);
        } else {
            link.send(new Message.Bitfield(state.bitfieldBytes()));
        }
        PeerAddress remote = link.remote();
        byte[] ip = remote == null ? null : remote.ip().filter(a -> a instanceof Inet4Address)
                .map(a -> a.getAddress()).orElse(null);
        if (ip == null) {
            return; // BEP 6 defines the set for IPv4 peers only
        }
        for (int piece : allowedFastSet(ip, infoHash, state.pieceCount(), ALLOWED_FAST_SET_SIZE)) {
            peer.allowedFastForThem.set(piece);
            if (state.has(piece)) { // a piece we lack cannot be served: no use offering it yet
                link.send(new Message.AllowedFast(piece));
            }
        }
    }

    /**
     * We verified {@code piece}: a peer we choke whose allowed fast set holds it, and which lacks it,
     * may now fetch it (at the greeting we only offered the pieces we had).
     */
    void pieceVerified(PeerLink link, int piece) {
        PeerState peer = link.state();
        if (peer.fastExtension && peer.amChoking && peer.allowedFastForThem.get(piece) && !peer.pieces.get(piece)) {
            link.send(new Message.AllowedFast(piece));
        }
    }

    /** A BEP 6 message from the peer (the decoder let it through only if both sides set the bit). */
    void onMessage(PeerLink link, Message message) {
        switch (message) {
            case Message.HaveAll _ -> {
                state.haveAllReceived();
                interest.haveAll(link);
            }
            case Message.HaveNone _ -> {
                // as a missing bitfield: the peer has nothing yet
            }
            case Message.AllowedFast(int index) -> {
                link.state().allowedFastForUs.set(index);
                requests.fill(link);
            }
            case Message.RejectRequest reject -> requests.onReject(link, reject);
            case Message.SuggestPiece _ -> {
                // a hint: rarest first already chooses well, and a suggestion could steer us into a bad one
            }
            default -> throw new IllegalArgumentException("not a fast extension message: " + message);
        }
    }

    /**
     * BEP 6's canonical allowed fast set: the first {@code k} distinct piece indices read, four bytes
     * at a time, from the SHA-1 chain seeded with the peer's IPv4 /24 and the info-hash.
     */
    static List<Integer> allowedFastSet(byte[] ipv4, byte[] infoHash, int pieceCount, int k) {
        if (ipv4.length != 4 || infoHash.length != 20) {
            throw new IllegalArgumentException("an IPv4 address and a 20-byte info-hash are needed");
        }
        int want = Math.min(k, pieceCount); // fewer pieces than k: the set is every piece
        List<Integer> set = new ArrayList<>(want);
        byte[] x = new byte[24];
        System.arraycopy(ipv4, 0, x, 0, 3); // & 0xffffff00: one set per /24
        System.arraycopy(infoHash, 0, x, 4, 20);
        MessageDigest sha1 = sha1();
        while (set.size() < want) {
            x = sha1.digest(x);
            for (int i = 0; i < 5 && set.size() < want; i++) {
                long y = ((x[4 * i] & 0xffL) << 24) | ((x[4 * i + 1] & 0xff) << 16) | ((x[4 * i + 2] & 0xff) << 8)
                        | (x[4 * i + 3] & 0xff);
                int index = (int) (y % pieceCount);
                if (!set.contains(index)) {
                    set.add(index);
                }
            }
        }
        return set;
    }

    private static MessageDigest sha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-1", e);
        }
    }
}
