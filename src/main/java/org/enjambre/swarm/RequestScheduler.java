package org.enjambre.swarm;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.enjambre.wire.Message;
import org.enjambre.wire.MessageEncoder;
import org.enjambre.wire.WireLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What we ask of each peer: keeps every unchoking, interesting peer's pipeline of block requests
 * full (its depth sized from the peer's measured rate), duplicates the last blocks in endgame and
 * cancels the copies when one arrives, moves requests away from seeds when a leecher offers the
 * piece, one request at a time to a peer that snubs us, and takes back requests left unanswered.
 * Blocks come from the {@link PiecePicker}; each peer is reached through its {@link PeerLink}.
 */
final class RequestScheduler {
    private static final Logger LOG = LoggerFactory.getLogger(RequestScheduler.class);
    /** Requests kept in flight to a peer cover this much of its recent rate (libtorrent: 3 s). */
    static final double REQUEST_QUEUE_SECONDS = 1.0;
    /** In flight to any peer at least, also before its rate is known. */
    static final int MIN_REQUEST_DEPTH = 16;
    /** Slow start ends at the first rate sample that is not this much above the previous one (libtorrent: 10 %). */
    static final double SLOW_START_GROWTH = 1.1;

    /** Our requests to one peer and how fast it answers them. */
    private static final class Pipeline {
        /** Requests sent and not answered, in the order sent. */
        final LinkedHashSet<Long> outstanding = new LinkedHashSet<>();
        /** Blocks received from this peer and not yet on disk: they count against the pipeline. */
        int pendingWrites;
        /** When a requested block last arrived (or the first request went out): request and snub clocks. */
        long lastBlockNanos;
        /** No block for the snub timeout while holding our requests: one request at a time until it sends. */
        boolean snubbed;
        /** Smoothed bytes per second received from this peer, and the last sample point. */
        double downloadRate;
        long rateSampleBytes;
        long rateSampleNanos;
        /**
         * Slow start (as TCP's, and libtorrent's): until the measured rate stops growing, every block
         * that arrives adds one to the depth, so that it doubles each round trip instead of waiting
         * for a rate sample at {@link #MIN_REQUEST_DEPTH} (on loopback that wait cost the first
         * second of a transfer). 0 once slow start is over.
         */
        int slowStartDepth = MIN_REQUEST_DEPTH;
        /**
         * The requests the peer says it queues (BEP 10 {@code reqq}; libtorrent 2000, older clients
         * 250 or less): more would be dropped by the peer and only come back as timeouts.
         */
        int peerQueueLimit = Integer.MAX_VALUE;
        /** BEP 6: pieces this peer rejected a request for since it last unchoked us; asked of others. */
        final BitSet rejectedPieces = new BitSet();
        /** Blocks arrived in the read being handled: the pipeline is topped up once, at its end. */
        boolean fillAfterRead;

        Pipeline(long now) {
            lastBlockNanos = now;
            rateSampleNanos = now;
        }
    }

    private final String name;
    private final PiecePicker picker;
    private final TorrentState state;
    private final int pieceCount;
    private final int queueDepth;
    private final int endgameRedundancy;
    private final long snubNanos;
    private final long requestTimeoutNanos;
    private final EngineClock clock;
    private final Map<PeerLink, Pipeline> peers = new LinkedHashMap<>();
    private boolean active;

    RequestScheduler(String name, PiecePicker picker, TorrentState state, EngineOptions options, EngineClock clock) {
        this.name = name;
        this.picker = picker;
        this.state = state;
        this.pieceCount = state.pieceCount();
        this.queueDepth = options.requestQueueDepth();
        this.endgameRedundancy = options.endgameRedundancy();
        this.snubNanos = options.snubTimeout().toNanos();
        this.requestTimeoutNanos = options.requestTimeout().toNanos();
        this.clock = clock;
    }

    /** Requests go out from now on (the data is checked, the picker knows what is missing). */
    void start() {
        active = true;
    }

    void stop() {
        active = false;
    }

    /** A peer whose handshake was accepted. */
    void add(PeerLink link) {
        peers.put(link, new Pipeline(clock.nanoTime()));
    }

    /** The peer left: its requests go back to the picker (the caller refills the others). */
    void remove(PeerLink link) {
        Pipeline p = peers.remove(link);
        if (p != null) {
            release(link, p);
        }
    }

    int outstanding(PeerLink link) {
        Pipeline p = peers.get(link);
        return p == null ? 0 : p.outstanding.size();
    }

    boolean snubbed(PeerLink link) {
        Pipeline p = peers.get(link);
        return p != null && p.snubbed;
    }

    /** The peer unchoked us: it may serve again what it rejected before. */
    void onUnchoke(PeerLink link) {
        Pipeline p = peers.get(link);
        if (p != null) {
            p.rejectedPieces.clear();
        }
        fill(link);
    }

    /**
     * BEP 3: a choke discards every pending request; they go to whoever can take them. Under BEP 6 the
     * requests for the peer's allowed fast pieces stand (it still serves those); for the others a
     * {@code reject} may follow, and finds them already taken back.
     */
    void onChoke(PeerLink link) {
        Pipeline p = peers.get(link);
        if (p == null) {
            return;
        }
        PeerState peer = link.state();
        int released = 0;
        for (Iterator<Long> it = p.outstanding.iterator(); it.hasNext(); ) {
            long block = it.next();
            if (!peer.fastExtension || !peer.allowedFastForUs.get(PiecePicker.pieceOf(block))) {
                it.remove();
                picker.release(block);
                released++;
            }
        }
        if (released > 0) {
            state.requestsOutstanding(-released);
            peer.stats.requestsOutstanding(-released);
            refillOthers(link);
        }
        fill(link); // allowed fast pieces may still be asked for
    }

    /**
     * BEP 6: the peer will not serve this request. The block goes back to the picker and to whoever
     * can take it now, and this peer is not asked for that piece again until it unchokes us anew. A
     * reject for a request we no longer wait for (taken back at a choke) changes nothing.
     */
    void onReject(PeerLink link, Message.RejectRequest reject) {
        Pipeline p = peers.get(link);
        long block = PiecePicker.block(reject.index(), reject.begin());
        if (p == null || !p.outstanding.remove(block)) {
            return;
        }
        state.rejectReceived();
        state.requestsOutstanding(-1);
        link.state().stats.requestsOutstanding(-1);
        picker.release(block);
        p.rejectedPieces.set(reject.index());
        refillOthers(link);
        fill(link);
    }

    /** The peer announced a piece (its state already says so). */
    void onHave(PeerLink link, int piece) {
        rerouteFromSeeds(link, piece);
        fill(link);
    }

    /**
     * A block arrived: whether it is one we asked this peer for and still want (then it is counted
     * as downloaded and the caller stores it). In endgame, the other peers asked for it get a cancel.
     */
    boolean accept(PeerLink link, Message.Piece piece) {
        Pipeline p = peers.get(link);
        long block = PiecePicker.block(piece.index(), piece.begin());
        int length = piece.length();
        if (p == null || !p.outstanding.remove(block)) {
            state.addWasted(length); // not asked of this peer (or after a choke): drop it
            return false;
        }
        PeerState peer = link.state();
        state.requestsOutstanding(-1);
        peer.stats.requestsOutstanding(-1);
        long now = clock.nanoTime();
        p.lastBlockNanos = now;
        if (p.snubbed) {
            p.snubbed = false;
            LOG.debug("{}: {} sends again", name, link);
        }
        if (length != picker.blockSize(piece.index(), piece.begin()) || !picker.wanted(block)) {
            picker.release(block);
            state.addWasted(length);
            fill(link);
            return false;
        }
        if (p.slowStartDepth > 0 && p.slowStartDepth < queueDepth) {
            p.slowStartDepth++;
        }
        if (picker.requesters(block) > 1) {
            cancelDuplicates(link, block, piece.index(), piece.begin(), length);
        }
        state.addDownloaded(length);
        peer.bytesDownloaded += length;
        peer.lastExchangeNanos = now;
        peer.stats.addDownloaded(length);
        return true;
    }

    /** An accepted block is being written: it holds a place in the pipeline until it is on disk. */
    void writing(PeerLink link, Future<?> write) {
        Pipeline p = peers.get(link);
        if (p == null || write.isComplete()) {
            return;
        }
        p.pendingWrites++;
        write.onComplete(ar -> {
            p.pendingWrites--;
            if (active && ar.succeeded()) {
                fill(link);
            }
        });
    }

    /**
     * A block arrived in a read that is still being handled: the pipeline is topped up once when the
     * read is done ({@link #readDone}) instead of once per block. Nothing is lost by waiting: requests
     * written during a read leave only when it ends (Vert.x flushes then), and a read of a 1 MiB socket
     * buffer holds ~30 blocks, each of which would otherwise cost its own request batch and channel write.
     */
    void fillAfterRead(PeerLink link) {
        Pipeline p = peers.get(link);
        if (p != null) {
            p.fillAfterRead = true;
        }
    }

    /** The read that {@link #fillAfterRead} waited for is done: the pipeline is topped up in one batch. */
    void readDone(PeerLink link) {
        Pipeline p = peers.get(link);
        if (p != null && p.fillAfterRead) {
            p.fillAfterRead = false;
            fill(link);
        }
    }

    /** Tops up the peer's pipeline, if it unchokes us and has something we want. */
    void fill(PeerLink link) {
        Pipeline p = peers.get(link);
        PeerState peer = link.state();
        if (p == null || !active || link.closed() || !peer.amInterested) {
            return;
        }
        int depth = p.snubbed ? 1 : depth(p);
        int room = depth - p.outstanding.size() - p.pendingWrites;
        if (room <= 0) {
            return; // the usual case after a block: nothing to pick, nothing to allocate
        }
        BitSet available = askable(peer, p);
        if (available == null) {
            return;
        }
        Buffer batch = null;
        int added = 0;
        while (added < room) {
            long block = picker.next(available);
            if (block < 0 && picker.inEndgame()) {
                block = picker.nextEndgame(available, p.outstanding, endgameRedundancy);
                if (block >= 0) {
                    state.endgameRequest();
                }
            }
            if (block < 0) {
                break;
            }
            p.outstanding.add(block);
            int index = PiecePicker.pieceOf(block);
            int begin = PiecePicker.beginOf(block);
            if (batch == null) {
                batch = Buffer.buffer(MessageEncoder.REQUEST_FRAME_LENGTH * room); // sized to what may be asked
            }
            MessageEncoder.appendRequest(batch, index, begin, picker.blockSize(index, begin));
            added++;
        }
        if (batch != null) {
            if (p.outstanding.size() == added) {
                p.lastBlockNanos = clock.nanoTime(); // the request and snub clocks start with the first request
            }
            state.requestsOutstanding(added);
            peer.stats.requestsOutstanding(added);
            link.sendRequests(batch, added); // one write for the whole batch: fewer syscalls when refilling deep pipelines
        }
    }

    /**
     * The pieces we may ask this peer for now: all it has while it unchokes us, only its allowed fast
     * pieces (BEP 6) while it chokes us, never those it rejected lately; null for none.
     */
    private static BitSet askable(PeerState peer, Pipeline p) {
        if (peer.peerChoking) {
            if (!peer.fastExtension || peer.allowedFastForUs.isEmpty()) {
                return null;
            }
            BitSet allowed = (BitSet) peer.allowedFastForUs.clone();
            allowed.and(peer.pieces);
            allowed.andNot(p.rejectedPieces);
            return allowed.isEmpty() ? null : allowed;
        }
        if (p.rejectedPieces.isEmpty()) {
            return peer.pieces;
        }
        BitSet available = (BitSet) peer.pieces.clone();
        available.andNot(p.rejectedPieces);
        return available;
    }

    void fillAll() {
        for (PeerLink link : new ArrayList<>(peers.keySet())) {
            fill(link);
        }
    }

    /** Requests freed by a choke, a disconnect or a snub go to whoever can take them. */
    void refillOthers(PeerLink except) {
        for (PeerLink other : new ArrayList<>(peers.keySet())) {
            if (other != except) {
                fill(other);
            }
        }
    }

    /**
     * The pipeline depth for a peer: about {@link #REQUEST_QUEUE_SECONDS} of what it sent lately (or
     * more during slow start), between {@link #MIN_REQUEST_DEPTH} and the configured depth. A slow peer holds few blocks, so
     * blocks are not locked for long at a peer that cannot deliver them soon (and a rate-limited
     * seed is not asked for seconds of pieces that other leechers get meanwhile).
     */
    int depth(PeerLink link) {
        Pipeline p = peers.get(link);
        return p == null ? 0 : depth(p);
    }

    private int depth(Pipeline p) {
        long wanted = Math.max(p.slowStartDepth,
                (long) Math.ceil(p.downloadRate * REQUEST_QUEUE_SECONDS / WireLimits.BLOCK_LENGTH));
        int cap = Math.min(queueDepth, p.peerQueueLimit);
        return (int) Math.max(Math.min(MIN_REQUEST_DEPTH, cap), Math.min(cap, wanted));
    }

    /** The peer's extended handshake says it queues at most {@code reqq} requests (at least one is asked). */
    void limitDepth(PeerLink link, int reqq) {
        Pipeline p = peers.get(link);
        if (p != null) {
            p.peerQueueLimit = Math.max(1, reqq);
        }
    }

    /**
     * A leecher that unchokes us just announced a piece whose blocks we still wait for from a seed:
     * those requests are cancelled at the seed and the blocks go to the leecher. A seed's upload is
     * the swarm's scarcest: spent on a piece that is now on offer elsewhere, it is a copy lost to
     * the pieces only the seed has.
     */
    private void rerouteFromSeeds(PeerLink from, int piece) {
        if (from.state().peerChoking || state.has(piece) || !active) {
            return;
        }
        for (Map.Entry<PeerLink, Pipeline> e : peers.entrySet()) {
            PeerLink seed = e.getKey();
            Pipeline p = e.getValue();
            if (seed == from || seed.state().pieces.cardinality() < pieceCount || p.outstanding.isEmpty()) {
                continue;
            }
            int moved = 0;
            for (Iterator<Long> it = p.outstanding.iterator(); it.hasNext(); ) {
                long block = it.next();
                if (PiecePicker.pieceOf(block) != piece || picker.requesters(block) != 1) {
                    continue;
                }
                it.remove();
                int begin = PiecePicker.beginOf(block);
                seed.send(new Message.Cancel(piece, begin, picker.blockSize(piece, begin)));
                picker.release(block);
                moved++;
            }
            if (moved > 0) {
                state.requestsOutstanding(-moved);
                seed.state().stats.requestsOutstanding(-moved);
                state.rerouted(moved);
            }
        }
    }

    /** Endgame: the block came from {@code from}; the other peers asked for it get a {@code cancel}. */
    private void cancelDuplicates(PeerLink from, long block, int index, int begin, int length) {
        for (Map.Entry<PeerLink, Pipeline> e : peers.entrySet()) {
            PeerLink other = e.getKey();
            if (other != from && e.getValue().outstanding.remove(block)) {
                other.send(new Message.Cancel(index, begin, length));
                state.requestsOutstanding(-1);
                other.state().stats.requestsOutstanding(-1);
                state.cancelSent();
            }
        }
    }

    /** A peer that unchoked us, holds our requests and sends nothing for the snub timeout loses them. */
    void checkSnubs(long now) {
        for (Map.Entry<PeerLink, Pipeline> e : new ArrayList<>(peers.entrySet())) {
            PeerLink link = e.getKey();
            Pipeline p = e.getValue();
            if (!p.snubbed && !link.state().peerChoking && !p.outstanding.isEmpty()
                    && now - p.lastBlockNanos > snubNanos) {
                p.snubbed = true;
                p.slowStartDepth = MIN_REQUEST_DEPTH; // as TCP after a timeout: it earns its depth anew
                state.snubbed();
                LOG.info("{}: {} sent no block for {} ms: its requests go to others", name, link,
                        TimeUnit.NANOSECONDS.toMillis(snubNanos));
                release(link, p);
                refillOthers(link);
                fill(link); // one request, so that it can prove itself again
            }
        }
    }

    /** Per-peer download rate, smoothed over the ticks: it sizes each peer's request pipeline. */
    void sampleRates(long now) {
        for (Map.Entry<PeerLink, Pipeline> e : peers.entrySet()) {
            Pipeline p = e.getValue();
            double seconds = (now - p.rateSampleNanos) / 1e9;
            if (seconds < 0.2) {
                continue;
            }
            long downloaded = e.getKey().state().bytesDownloaded;
            double sample = (downloaded - p.rateSampleBytes) / seconds;
            if (p.slowStartDepth > 0 && downloaded > 0 && sample < SLOW_START_GROWTH * p.downloadRate) {
                p.slowStartDepth = 0; // the rate stopped growing: the pipeline follows the measured rate from now on
            }
            p.downloadRate = p.downloadRate == 0 ? sample : 0.5 * p.downloadRate + 0.5 * sample;
            p.rateSampleBytes = downloaded;
            p.rateSampleNanos = now;
        }
    }

    /** Requests a peer left unanswered for the request timeout go back to the picker; everyone may be asked again. */
    void checkTimeouts(long now) {
        for (Map.Entry<PeerLink, Pipeline> e : new ArrayList<>(peers.entrySet())) {
            PeerLink link = e.getKey();
            Pipeline p = e.getValue();
            if (!p.outstanding.isEmpty() && now - p.lastBlockNanos > requestTimeoutNanos) {
                LOG.info("{}: {} left {} requests unanswered for {} s; asking again", name, link,
                        p.outstanding.size(), TimeUnit.NANOSECONDS.toSeconds(requestTimeoutNanos));
                release(link, p);
                p.lastBlockNanos = now;
                fillAll();
            }
        }
    }

    private void release(PeerLink link, Pipeline p) {
        for (long block : p.outstanding) {
            picker.release(block);
        }
        state.requestsOutstanding(-p.outstanding.size());
        PeerStats stats = link.state().stats;
        if (stats != null) {
            stats.requestsOutstanding(-p.outstanding.size());
        }
        p.outstanding.clear();
    }
}
