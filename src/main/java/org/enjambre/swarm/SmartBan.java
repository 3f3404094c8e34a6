package org.enjambre.swarm;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.enjambre.swarm.PieceReceiver.PieceEvent;
import org.enjambre.wire.WireLimits;

/**
 * Smart ban, as a listener of the {@link PieceReceiver}: remembers who sent each block of each
 * piece being downloaded. A piece that fails SHA-1 with one sender bans that sender. With several
 * senders the block digests of the failed piece are kept; when the piece later verifies, a sender
 * whose block differs from the good one sent bad data for certain and is banned, the others are
 * cleared. Without that evidence (pieces verified on disk), a peer involved in
 * {@link #BAN_AFTER_HASH_FAILURES} failures is banned.
 */
final class SmartBan implements PieceReceiver.Listener {
    /** Hash failures a peer may be involved in before it is banned (alone in one is enough). */
    static final int BAN_AFTER_HASH_FAILURES = 2;

    /** What the engine does to a peer judged guilty (close its connections, refuse it again). */
    interface Verdicts {
        void banned(PeerStats peer, int failures);
    }

    private record Suspect(PeerStats sender, byte[] digest) {
    }

    private final Verdicts verdicts;
    /** Who sent each block (by block index) of each piece being downloaded. */
    private final Map<Integer, Map<Integer, PeerStats>> contributors = new HashMap<>();
    /** Blocks of pieces that failed with several senders: each block's digest as received, and its sender. */
    private final Map<Integer, Map<Integer, Suspect>> suspects = new HashMap<>();

    SmartBan(Verdicts verdicts) {
        this.verdicts = verdicts;
    }

    @Override
    public boolean wantsBlockDigests(int piece) {
        return suspects.containsKey(piece);
    }

    @Override
    public void onPieceEvent(PieceEvent event) {
        switch (event) {
            case PieceEvent.BlockReceived(int piece, int begin, PeerStats sender) ->
                    contributors.computeIfAbsent(piece, k -> new HashMap<>()).put(begin / WireLimits.BLOCK_LENGTH, sender);
            case PieceEvent.Failed(int piece, byte[][] digests) -> {
                keepEvidence(piece, digests);
                blame(piece);
            }
            case PieceEvent.Verified(int piece, byte[][] digests) -> {
                judge(piece, digests);
                contributors.remove(piece);
            }
            case PieceEvent.StoreFailed ignored -> {
            }
        }
    }

    /** A failed buffered piece with several senders: its blocks' digests and senders become suspects. */
    private void keepEvidence(int piece, byte[][] digests) {
        Map<Integer, PeerStats> senders = contributors.get(piece);
        if (digests == null || senders == null || new HashSet<>(senders.values()).size() <= 1) {
            return;
        }
        Map<Integer, Suspect> record = suspects.computeIfAbsent(piece, k -> new HashMap<>());
        senders.forEach((block, sender) -> {
            if (block < digests.length) {
                record.putIfAbsent(block, new Suspect(sender, digests[block]));
            }
        });
    }

    /** The piece verified with block digests: suspects whose block differs from the good one are banned. */
    private void judge(int piece, byte[][] digests) {
        if (digests == null) {
            return;
        }
        Map<Integer, Suspect> record = suspects.remove(piece);
        if (record == null) {
            return;
        }
        record.forEach((block, suspect) -> {
            if (!Arrays.equals(suspect.digest(), digests[block]) && !suspect.sender().banned()) {
                ban(suspect.sender(), suspect.sender().hashFailures());
            }
        });
    }

    /**
     * Everyone who sent blocks of the failed piece is recorded; a peer that sent all of it, or is
     * involved in {@link #BAN_AFTER_HASH_FAILURES} failures without block evidence, is banned.
     */
    private void blame(int piece) {
        Map<Integer, PeerStats> byBlock = contributors.remove(piece);
        if (byBlock == null) {
            return;
        }
        Set<PeerStats> senders = new HashSet<>(byBlock.values());
        // With block evidence kept (a buffered piece), a shared failure is settled when the piece
        // verifies (judge); without it, two failures are enough.
        boolean evidenceKept = suspects.containsKey(piece);
        for (PeerStats peer : senders) {
            int failures = peer.hashFailed();
            boolean guilty = senders.size() == 1 || (!evidenceKept && failures >= BAN_AFTER_HASH_FAILURES);
            if (guilty && !peer.banned()) {
                ban(peer, failures);
            }
        }
    }

    private void ban(PeerStats peer, int failures) {
        peer.ban();
        verdicts.banned(peer, failures);
    }
}
