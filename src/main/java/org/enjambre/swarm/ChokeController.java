package org.enjambre.swarm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.enjambre.wire.Message;

/**
 * Who we upload to: runs the choke rounds with the pure {@link Choker} (tit-for-tat, the
 * optimistic unchoke rotating, a seeder rotating its regular slots), and between rounds gives a
 * free slot at once to a peer that becomes interested, hands a slot that was given back to the
 * best choked peer, and adds slots while a limited upload idles (giving one back after a round that
 * used the limit fully). Sends {@code choke}/{@code unchoke} through each {@link PeerLink}.
 */
final class ChokeController {
    /** Rounds in a row a seeder keeps a peer in a regular slot before it sits one out. */
    static final int SEED_SLOT_ROUNDS = 3;
    /** Below this share of the upload limit over a tick, the upload is idling. */
    static final double IDLE_UPLOAD_SHARE = 0.7;
    /** At or above this share over a choke round, the upload is full. */
    static final double FULL_UPLOAD_SHARE = 0.9;

    /** One peer's place in the choker. */
    private static final class Slot {
        /** Byte counts at the start of the current round: the rates the choker compares. */
        long downloadedAtRound;
        long uploadedAtRound;
        /** Choke rounds in a row this peer held a regular slot. */
        int roundsUnchoked;
        /** Holds the optimistic unchoke. */
        boolean optimistic;
    }

    private final EngineOptions.Choking choking;
    private final TorrentState state;
    private final RateLimiter uploadLimiter;
    private final EngineClock clock;
    private final Random random;
    private final Predicate<PeerLink> snubbed;
    private final Consumer<PeerLink> unchoked;
    private final Consumer<PeerLink> choked;
    private final Map<PeerLink, Slot> peers = new LinkedHashMap<>();

    private long nextChokeNanos;
    private long nextOptimisticNanos;
    /** Slots added by {@link #useIdleUpload}, at most as many as the configured ones. */
    private int extraSlots;
    private long uploadSampleBytes;
    private long uploadSampleNanos;
    private long uploadedAtRound;
    private long roundStartNanos;

    /**
     * @param snubbed  whether a peer snubs us (it earns no regular slot while we leech)
     * @param unchoked called after a peer is unchoked (its queued requests may be served)
     * @param choked   called when a peer is choked, after the {@code choke} went out (its queue is dropped, or
     *                 rejected under BEP 6)
     */
    ChokeController(EngineOptions.Choking choking, TorrentState state, RateLimiter uploadLimiter, EngineClock clock,
                    Random random, Predicate<PeerLink> snubbed, Consumer<PeerLink> unchoked,
                    Consumer<PeerLink> choked) {
        this.choking = choking;
        this.state = state;
        this.uploadLimiter = uploadLimiter;
        this.clock = clock;
        this.random = random;
        this.snubbed = snubbed;
        this.unchoked = unchoked;
        this.choked = choked;
        this.uploadSampleNanos = clock.nanoTime();
        this.roundStartNanos = uploadSampleNanos;
    }

    /** The first rounds are due one interval from now. */
    void start(long now) {
        nextChokeNanos = now + choking.chokeInterval().toNanos();
        nextOptimisticNanos = now + choking.optimisticInterval().toNanos();
    }

    void add(PeerLink link) {
        Slot s = new Slot();
        s.downloadedAtRound = link.state().bytesDownloaded;
        s.uploadedAtRound = link.state().bytesUploaded;
        peers.put(link, s);
    }

    /** The peer left; if it held a slot, the slot goes to another peer now, not at the next round. */
    void remove(PeerLink link) {
        Slot s = peers.remove(link);
        if (s != null && !link.state().amChoking && link.state().peerInterested) {
            rechoke(s.optimistic);
        }
    }

    boolean optimistic(PeerLink link) {
        Slot s = peers.get(link);
        return s != null && s.optimistic;
    }

    /** Regular upload slots now: the configured ones plus those added while our upload idled. */
    int uploadSlots() {
        return choking.uploadSlots() + extraSlots;
    }

    /** Runs a choke round when one is due (the optimistic unchoke rotates when its interval is up). */
    void tick(long now) {
        boolean optimisticDue = now - nextOptimisticNanos >= 0;
        if (now - nextChokeNanos >= 0 || optimisticDue) {
            nextChokeNanos = now + choking.chokeInterval().toNanos();
            if (optimisticDue) {
                nextOptimisticNanos = now + choking.optimisticInterval().toNanos();
            }
            rechoke(optimisticDue, now);
        }
    }

    /**
     * Between choke rounds: a peer that becomes interested gets a slot at once if one is free (no
     * 10 s wait at the start of a swarm); one that loses interest gives its slot back.
     */
    void interestChanged(PeerLink link) {
        Slot s = peers.get(link);
        PeerState peer = link.state();
        if (s == null) {
            return;
        }
        if (peer.peerInterested && peer.amChoking) {
            if (regularUnchoked() < uploadSlots()) {
                unchoke(link);
            } else if (!hasLiveOptimistic()) {
                s.optimistic = true;
                unchoke(link);
            }
        } else if (!peer.peerInterested && !peer.amChoking) {
            boolean wasOptimistic = s.optimistic;
            choke(link);
            s.optimistic = false;
            giveFreeSlot(wasOptimistic);
        }
    }

    /**
     * Under an upload limit, an upload that runs well below it means the unchoked peers have too
     * little to ask of us (they take those pieces from others): one more interested peer gets a
     * slot now, as a rate-based choker does. A choke round that uses the limit nearly fully gives
     * one such slot back.
     */
    void useIdleUpload(long now) {
        long rate = uploadLimiter.effectiveRate();
        double seconds = (now - uploadSampleNanos) / 1e9;
        if (rate == 0 || seconds < 0.2) {
            return;
        }
        long sent = state.uploaded() - uploadSampleBytes;
        uploadSampleBytes = state.uploaded();
        uploadSampleNanos = now;
        if (sent < IDLE_UPLOAD_SHARE * rate * seconds && extraSlots < choking.uploadSlots()
                && regularUnchoked() >= uploadSlots() && unchokeBestChoked(false)) {
            extraSlots++;
        }
    }

    /**
     * A slot was given back between rounds: it goes at once to the choked interested peer with the
     * best rate so far this round (ties at random), not at the next round, so that our upload does
     * not idle for up to a round while others wait for it.
     */
    private void giveFreeSlot(boolean optimistic) {
        if (optimistic ? hasLiveOptimistic() : regularUnchoked() >= uploadSlots()) {
            return;
        }
        unchokeBestChoked(optimistic);
    }

    /** Unchokes the choked interested peer with the best rate this round; false if there is none. */
    private boolean unchokeBestChoked(boolean optimistic) {
        boolean seeding = state.complete();
        PeerLink best = null;
        long bestRate = -1;
        int ties = 0;
        for (Map.Entry<PeerLink, Slot> e : peers.entrySet()) {
            PeerLink o = e.getKey();
            PeerState peer = o.state();
            if (o.closed() || !peer.amChoking || !peer.peerInterested) {
                continue;
            }
            Slot s = e.getValue();
            long rate = seeding ? peer.bytesUploaded - s.uploadedAtRound : peer.bytesDownloaded - s.downloadedAtRound;
            if (rate > bestRate) {
                best = o;
                bestRate = rate;
                ties = 1;
            } else if (rate == bestRate && random.nextInt(++ties) == 0) {
                best = o;
            }
        }
        if (best == null) {
            return false;
        }
        peers.get(best).optimistic = optimistic;
        unchoke(best);
        return true;
    }

    /** At each choke round: a round that used the limit nearly fully gives back an extra slot. */
    private void settleExtraSlots(long now) {
        long rate = uploadLimiter.effectiveRate();
        double seconds = (now - roundStartNanos) / 1e9;
        long sent = state.uploaded() - uploadedAtRound;
        uploadedAtRound = state.uploaded();
        roundStartNanos = now;
        if (rate == 0) {
            extraSlots = 0;
        } else if (extraSlots > 0 && seconds > 0 && sent >= FULL_UPLOAD_SHARE * rate * seconds) {
            extraSlots--;
        }
    }

    private int regularUnchoked() {
        int n = 0;
        for (Map.Entry<PeerLink, Slot> e : peers.entrySet()) {
            if (!e.getKey().state().amChoking && !e.getValue().optimistic) {
                n++;
            }
        }
        return n;
    }

    private boolean hasLiveOptimistic() {
        for (Map.Entry<PeerLink, Slot> e : peers.entrySet()) {
            if (e.getValue().optimistic && !e.getKey().state().amChoking) {
                return true;
            }
        }
        return false;
    }

    private void unchoke(PeerLink link) {
        PeerState peer = link.state();
        if (peer.amChoking) {
            peer.amChoking = false;
            link.send(Message.Unchoke.INSTANCE);
            unchoked.accept(link);
        }
    }

    private void choke(PeerLink link) {
        PeerState peer = link.state();
        if (!peer.amChoking) {
            peer.amChoking = true;
            // BEP 6: choke first, then reject what will not be served, so that the peer does not ask again.
            link.send(Message.Choke.INSTANCE);
            choked.accept(link);
        }
    }

    private void rechoke(boolean rotateOptimistic) {
        rechoke(rotateOptimistic, clock.nanoTime());
    }

    /**
     * A choke round (tit-for-tat): the regular slots go to the interested peers that sent us the
     * most in the last round (a seeder: those it sent the most to, so its upload goes where it
     * flows), ties broken at random; the optimistic unchoke moves to a random other interested peer
     * when {@code rotateOptimistic} (or when its holder left or took a regular slot).
     */
    private void rechoke(boolean rotateOptimistic, long now) {
        boolean seeding = state.complete();
        List<Choker.Candidate<PeerLink>> candidates = new ArrayList<>();
        PeerLink currentOptimistic = null;
        for (Map.Entry<PeerLink, Slot> e : peers.entrySet()) {
            PeerLink c = e.getKey();
            PeerState peer = c.state();
            Slot s = e.getValue();
            long rate = seeding ? peer.bytesUploaded - s.uploadedAtRound : peer.bytesDownloaded - s.downloadedAtRound;
            s.downloadedAtRound = peer.bytesDownloaded;
            s.uploadedAtRound = peer.bytesUploaded;
            if (s.optimistic && !peer.amChoking) {
                currentOptimistic = c;
            }
            if (peer.peerInterested) {
                // A snubbing peer sends nothing: it earns no regular slot while leeching. A seeder
                // rotates: a peer that held a regular slot for SEED_SLOT_ROUNDS rounds sits one out,
                // so that every leecher gets pieces to trade, not only the fastest few.
                boolean rotatedOut = seeding && s.roundsUnchoked >= SEED_SLOT_ROUNDS;
                candidates.add(new Choker.Candidate<>(c, rotatedOut || (!seeding && snubbed.test(c)) ? -1 : rate));
            }
        }
        settleExtraSlots(now);
        Choker.Selection<PeerLink> selection = Choker.select(candidates, uploadSlots(), currentOptimistic,
                rotateOptimistic, random);
        for (Map.Entry<PeerLink, Slot> e : new ArrayList<>(peers.entrySet())) {
            PeerLink c = e.getKey();
            Slot s = e.getValue();
            s.optimistic = c == selection.optimistic();
            boolean regular = selection.regular().contains(c);
            s.roundsUnchoked = regular ? s.roundsUnchoked + 1 : 0;
            if (regular || s.optimistic) {
                unchoke(c);
            } else {
                choke(c);
            }
        }
    }
}
