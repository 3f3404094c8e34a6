package org.enjambre.swarm;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vertx.core.AsyncResult;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.enjambre.metainfo.Info;
import org.enjambre.wire.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What we send: queues each unchoked peer's requests, reads the blocks (whole small pieces through
 * a {@link ReadCache}, so one disk read serves a piece's blocks), and sends them while the socket
 * takes them, resuming on drain. Under an upload limit the peers take tokens in turn from one pacer
 * for the torrent, and the block of the scarcest piece goes first.
 *
 * <p>A block's bytes are copied once, by the kernel from the page cache into a direct buffer: a
 * piece message goes out as its 13-byte header followed by a slice of that buffer, never through
 * a heap array (which the socket would copy into a direct buffer again).
 *
 * <p>Blocks are queued on the link and flushed once per batch: what one pass finds ready for a
 * peer (its queue, up to the socket's write queue limit), what one disk read serves, what one
 * pacer wake-up sends. A leecher keeping 2,000 requests queued gets large writes, not a system
 * call per 16 KiB block.
 */
final class UploadScheduler {
    private static final Logger LOG = LoggerFactory.getLogger(UploadScheduler.class);
    /** Memory for whole pieces read for uploads (least recently used dropped first). */
    static final long READ_CACHE_BYTES = 16L * 1024 * 1024;
    /** The longest the upload pacer waits to batch blocks (a few 16 KiB blocks at a few MB/s). */
    static final long UPLOAD_PACER_MILLIS = 10;
    /** Requests looked at when choosing what to serve next. */
    static final int MAX_UPLOAD_QUEUE_SCAN = 256;

    /**
     * A request whose piece is being read; {@code startedRead} for the one whose queue the read is
     * counted against ({@link Queue#readsInFlight} counts reads, not the blocks waiting for them).
     */
    private record Waiting(PeerLink link, Queue queue, Message.Request request, boolean startedRead) {
    }

    /** One peer's requests to us. */
    private static final class Queue {
        final ArrayDeque<Message.Request> requests = new ArrayDeque<>();
        /**
         * Disk reads started for this peer and not done. Blocks waiting for a piece already being
         * read do not count: counting them stopped the queue after 8 blocks of one piece, so that one
         * piece was read at a time and every piece cost a worker round trip with the socket idle
         * (4 times as many with 256 KiB pieces as with 1 MiB ones).
         */
        int readsInFlight;
        boolean drainArmed;
        /** Blocks were queued on the link since its last flush (it is in {@link #unflushed}). */
        boolean needsFlush;
        /** In the round of peers waiting for upload tokens. */
        boolean waiting;
        /** Pieces we sent this peer at least one block of. */
        final BitSet piecesServed = new BitSet();
        /**
         * A seeder's bytes sent this peer of each piece it has not sent anyone whole yet, until
         * this peer has them all ({@link #countTowardsAWholeCopy}).
         */
        final Map<Integer, Integer> partCopies = new HashMap<>();
    }

    private final Info info;
    private final TorrentState state;
    private final PiecePicker picker;
    private final PieceStore store;
    private final Workers workers;
    private final RateLimiter limiter;
    private final EngineClock clock;
    private final int maxUploadQueue;
    private final int maxReadsPerPeer;
    private final Map<PeerLink, Queue> peers = new LinkedHashMap<>();
    private final ReadCache readCache = new ReadCache(READ_CACHE_BYTES);
    /** The memory of pieces dropped from the cache, for the next reads. */
    private final UploadBuffers uploadBuffers = new UploadBuffers(READ_CACHE_BYTES / 2);
    /** Pieces being read for the cache, and the requests waiting for each. */
    private final Map<Integer, List<Waiting>> readsLoading = new HashMap<>();
    /** Peers with blocks to send under an upload limit, served one block each in turn. */
    private final ArrayDeque<PeerLink> waiters = new ArrayDeque<>();
    /** Links with blocks queued and not flushed yet: flushed at the end of each batch. */
    private final ArrayList<PeerLink> unflushed = new ArrayList<>();
    private boolean pacerArmed;
    private boolean stopped;
    /** Peers each piece was sent to (a seeder's count, for {@link #scarcity}). */
    private int[] piecesSentTo;
    /** Pieces a seeder has sent some peer every block of. */
    private final BitSet wholeCopiesOut = new BitSet();
    private int wholeCopies;

    UploadScheduler(Info info, TorrentState state, PiecePicker picker, PieceStore store, Workers workers,
                    RateLimiter limiter, EngineClock clock, EngineOptions options) {
        this.info = info;
        this.state = state;
        this.picker = picker;
        this.store = store;
        this.workers = workers;
        this.limiter = limiter;
        this.clock = clock;
        this.maxUploadQueue = options.maxUploadQueue();
        this.maxReadsPerPeer = options.maxReadsPerPeer();
    }

    void add(PeerLink link) {
        peers.put(link, new Queue());
    }

    void remove(PeerLink link) {
        Queue q = peers.remove(link);
        if (q != null) {
            q.requests.clear();
        }
        waiters.remove(link);
        unflushed.remove(link);
    }

    void stop() {
        stopped = true;
        readCache.clear();
    }

    /** Requests queued from this peer (for tests and the dashboard). */
    int queued(PeerLink link) {
        Queue q = peers.get(link);
        return q == null ? 0 : q.requests.size();
    }

    /**
     * Only verified pieces are served, and only to an unchoked peer or, under BEP 6, for a piece in the
     * peer's allowed fast set. What is not served is dropped (BEP 3) or, when the peer speaks the fast
     * extension, rejected so that it asks someone else at once.
     */
    void onRequest(PeerLink link, Message.Request r) {
        Queue q = peers.get(link);
        if (q == null) {
            return;
        }
        if (!state.has(r.index()) || !mayServe(link.state(), r.index())) {
            reject(link, r);
            return;
        }
        if (q.requests.size() >= maxUploadQueue) {
            link.close("more than " + maxUploadQueue + " requests queued");
            return;
        }
        q.requests.add(r);
        serve(link);
    }

    void onCancel(PeerLink link, Message.Cancel cancel) {
        Queue q = peers.get(link);
        if (q != null) {
            q.requests.remove(new Message.Request(cancel.index(), cancel.begin(), cancel.length()));
        }
    }

    /**
     * The peer was choked: what it asked for is dropped (BEP 3); under BEP 6 each request is rejected,
     * except those for its allowed fast pieces, which are still served.
     */
    void choked(PeerLink link) {
        Queue q = peers.get(link);
        if (q == null) {
            return;
        }
        for (Iterator<Message.Request> it = q.requests.iterator(); it.hasNext(); ) {
            Message.Request r = it.next();
            if (!mayServe(link.state(), r.index())) {
                it.remove();
                reject(link, r);
            }
        }
    }

    /** Whether a request for {@code piece} may be served now: unchoked, or allowed fast under BEP 6. */
    private static boolean mayServe(PeerState peer, int piece) {
        return !peer.amChoking || (peer.fastExtension && peer.allowedFastForThem.get(piece));
    }

    /** BEP 6: tells a fast peer its request will not be served; a BEP 3 peer hears nothing (it may not know the message). */
    private void reject(PeerLink link, Message.Request r) {
        if (link.state().fastExtension) {
            link.send(new Message.RejectRequest(r.index(), r.begin(), r.length()));
            state.rejectSent();
        }
    }

    /**
     * Sends queued blocks while the socket can take them; resumes from drain, a finished read, or
     * the upload pacer. Under an upload limit the blocks go out through {@link #pump}.
     */
    void serve(PeerLink link) {
        Queue q = peers.get(link);
        if (q == null) {
            return;
        }
        if (limiter.limited()) {
            if (!q.waiting) {
                q.waiting = true;
                waiters.addLast(link);
            }
            pump();
            return;
        }
        while (canSend(link, q)) {
            sendNext(link, q);
        }
        flushBatch();
    }

    /** Whether the peer may send its next block now; arms its drain handler when its socket is full. */
    private boolean canSend(PeerLink link, Queue q) {
        if (link.closed() || q.requests.isEmpty() || !mayServe(link.state(), q.requests.peek().index())
                || q.readsInFlight >= maxReadsPerPeer) {
            return false;
        }
        if (link.writeQueueFull()) {
            if (!q.drainArmed) {
                q.drainArmed = true;
                link.onDrain(() -> {
                    q.drainArmed = false;
                    serve(link);
                });
            }
            return false;
        }
        return true;
    }

    /** Sends the block at the head of the queue, from the read cache or after a disk read. */
    private void sendNext(PeerLink link, Queue q) {
        Message.Request r = q.requests.poll();
        ByteBuf cached = readCache.get(r.index());
        if (cached != null) {
            sendBlock(link, q, r, cached, r.begin());
            return;
        }
        if (picker.pieceSize(r.index()) > PieceReceiver.MAX_BUFFERED_PIECE) {
            q.readsInFlight++;
            // A large piece is not cached whole: just the block is read.
            workers.submit(() -> read(r.index(), r.begin(), ByteBufAllocator.DEFAULT.directBuffer(r.length(), r.length()))).onComplete(ar -> {
                q.readsInFlight--;
                if (ar.failed()) {
                    readFailed(link, r.index(), ar.cause());
                    return;
                }
                ByteBuf block = ar.result();
                try {
                    sendBlock(link, q, r, block, 0);
                } finally {
                    block.release();
                }
                serve(link); // flushes the block with whatever else is ready
            });
            return;
        }
        List<Waiting> waiting = readsLoading.get(r.index());
        if (waiting != null) {
            waiting.add(new Waiting(link, q, r, false));
            return;
        }
        q.readsInFlight++;
        waiting = new ArrayList<>();
        waiting.add(new Waiting(link, q, r, true));
        readsLoading.put(r.index(), waiting);
        int size = picker.pieceSize(r.index());
        workers.submit(() -> read(r.index(), 0, uploadBuffers.take(size))).onComplete(ar -> loaded(r.index(), ar));
    }

    /**
     * A whole piece was read: it goes into the cache, and the requests waiting for it are served.
     * Until they are, the read's own reference keeps the data alive, even if serving them loads
     * other pieces that push this one out of the cache.
     */
    private void loaded(int piece, AsyncResult<ByteBuf> ar) {
        List<Waiting> waiting = readsLoading.remove(piece);
        for (Waiting w : waiting) {
            if (w.startedRead()) {
                w.queue().readsInFlight--;
            }
        }
        if (ar.failed()) {
            for (Waiting w : waiting) {
                readFailed(w.link(), piece, ar.cause());
            }
            return;
        }
        ByteBuf data = ar.result();
        try {
            if (stopped) {
                return;
            }
            readCache.put(piece, data.retain());
            for (Waiting w : waiting) {
                sendBlock(w.link(), w.queue(), w.request(), data, w.request().begin());
            }
            for (Waiting w : waiting) {
                serve(w.link());
            }
            flushBatch(); // under an upload limit serve() may not have run a batch for every link
        } finally {
            data.release();
        }
    }

    private void readFailed(PeerLink link, int piece, Throwable cause) {
        LOG.error("{}: reading piece {} failed: {}", info.name(), piece, cause.getMessage());
        link.close(null);
    }

    /** On a worker: fills {@code data} (all its capacity) from the piece at {@code begin}, straight into direct memory. */
    private ByteBuf read(int piece, int begin, ByteBuf data) throws IOException {
        int length = data.capacity();
        try {
            store.readBlock(piece, begin, data.nioBuffer(0, length));
            data.writerIndex(length);
            return data;
        } catch (IOException | RuntimeException e) {
            data.release();
            throw e;
        }
    }

    /**
     * Under an upload limit, peers take tokens in turn (round robin), one block each, so that no
     * peer takes most of a rate-limited seeder. When the tokens run out, one timer for the whole
     * torrent (not one per peer) resumes the round: with a dozen peers waiting, per-peer timers
     * woke the event loop a thousand times a second to find it was someone else's turn. A peer
     * that cannot send (choked, nothing queued, socket full, reads in flight) leaves the round;
     * {@link #serve} puts it back when it can.
     */
    private void pump() {
        PeerLink link;
        while ((link = nextUploader()) != null) {
            Queue q = peers.get(link);
            long wait = limiter.acquire(q.requests.peek().length());
            if (wait > 0) {
                armPacer(wait);
                break;
            }
            waiters.remove(link);
            sendNext(link, q);
            waiters.addLast(link); // its next block waits for the others' turns
        }
        flushBatch(); // what this wake-up's tokens paid for goes out in one write per peer
    }

    /** Flushes every link that blocks were queued on since the last batch. */
    private void flushBatch() {
        for (int i = 0; i < unflushed.size(); i++) {
            PeerLink link = unflushed.get(i);
            Queue q = peers.get(link);
            if (q != null) {
                q.needsFlush = false;
            }
            link.flush();
        }
        unflushed.clear();
    }

    /**
     * Whose block goes out next under an upload limit: in turn order, the first whose next block
     * belongs to the scarcest piece (see {@link #scarcity}). A seeder's first copy of each piece is
     * the one upload a swarm cannot do without, and a piece few peers have is the one that holds the
     * swarm back, so those go first; requests for common pieces wait, and are often cancelled when
     * the leecher gets them elsewhere. Peers that cannot send leave the round.
     */
    private PeerLink nextUploader() {
        PeerLink best = null;
        int scarcest = Integer.MAX_VALUE;
        // Asked once per choice, not once per request looked at (up to 256 per peer, and a lock each).
        boolean seeding = state.complete();
        for (Iterator<PeerLink> it = waiters.iterator(); it.hasNext(); ) {
            PeerLink link = it.next();
            Queue q = peers.get(link);
            if (q == null || !canSend(link, q)) {
                it.remove();
                if (q != null) {
                    q.waiting = false;
                }
                continue;
            }
            preferScarcePieces(q, seeding);
            int rank = scarcity(q, q.requests.peek().index(), seeding);
            if (rank < scarcest) {
                best = link;
                scarcest = rank;
                if (rank == 0) {
                    break;
                }
            }
        }
        return best;
    }

    /**
     * How much the swarm already has a piece, as far as we can tell; lower goes first. A piece
     * already being sent to the peer ranks 0: finishing it lets the peer share it. Otherwise a
     * seeder counts the other peers it sent the piece to; a leecher counts the connected peers that
     * have it (its availability).
     */
    private int scarcity(Queue q, int piece, boolean seeding) {
        if (q.piecesServed.get(piece)) {
            return 0;
        }
        if (seeding) {
            return piecesSentTo == null ? 0 : piecesSentTo[piece];
        }
        return picker.availability(piece);
    }

    /**
     * Under an upload limit, the head of the queue becomes its request for the scarcest piece (see
     * {@link #scarcity}), unless the head is a piece already under way to the peer. Only the head
     * moves: the order within a piece is kept.
     */
    private void preferScarcePieces(Queue q, boolean seeding) {
        Message.Request head = q.requests.peek();
        if (head == null) {
            return;
        }
        int headRank = scarcity(q, head.index(), seeding);
        if (headRank == 0) {
            return; // a piece under way, or one nobody has yet: keep going
        }
        Message.Request best = head;
        int bestRank = headRank;
        int scanned = 0;
        for (Message.Request r : q.requests) {
            if (++scanned > MAX_UPLOAD_QUEUE_SCAN) {
                break;
            }
            int rank = scarcity(q, r.index(), seeding);
            if (rank < bestRank) {
                best = r;
                bestRank = rank;
                if (rank == 0) {
                    break;
                }
            }
        }
        if (best != head) {
            q.requests.remove(best);
            q.requests.addFirst(best);
        }
    }

    private void armPacer(long waitMillis) {
        if (pacerArmed || stopped) {
            return;
        }
        pacerArmed = true;
        // Waking a little later than the first token is due lets one wake-up send a few blocks;
        // never so late that the bucket's burst cap would throw tokens away.
        clock.schedule(Math.max(waitMillis, limiter.batchMillis(UPLOAD_PACER_MILLIS)), () -> {
            pacerArmed = false;
            if (!stopped) {
                pump();
            }
        });
    }

    /** Sends the block of {@code r} found at {@code offset} of {@code data} (which the caller keeps its reference to). */
    private void sendBlock(PeerLink link, Queue q, Message.Request r, ByteBuf data, int offset) {
        PeerState peer = link.state();
        if (link.closed()) {
            return;
        }
        if (!mayServe(peer, r.index())) {
            reject(link, r); // choked while its block was being read
            return;
        }
        if (!q.piecesServed.get(r.index())) {
            q.piecesServed.set(r.index());
            if (piecesSentTo == null) {
                piecesSentTo = new int[info.pieceCount()];
            }
            piecesSentTo[r.index()]++;
        }
        link.queuePiece(r.index(), r.begin(), data.retainedSlice(offset, r.length()));
        if (!q.needsFlush) {
            q.needsFlush = true;
            unflushed.add(link);
        }
        peer.bytesUploaded += r.length();
        peer.lastExchangeNanos = clock.nanoTime();
        peer.stats.addUploaded(r.length());
        state.addUploaded(r.length());
        if (state.complete() && wholeCopies < info.pieceCount()) {
            countTowardsAWholeCopy(q, r);
        }
    }

    /**
     * A seeder's measure of how well it spends its upload: the bytes it had uploaded when every
     * piece had gone whole to some peer (1.0 copies would be perfect). A piece counts when one peer
     * has been sent all of its bytes, not when its first block leaves: counted that way, the pieces
     * still under way to every peer at that moment went unmeasured, and a 16-peer swarm logged
     * 0.97 copies, less than the one copy every piece needs. (A block a peer asks for twice, after
     * a choke, counts twice: rare, and at most a block early.)
     */
    private void countTowardsAWholeCopy(Queue q, Message.Request r) {
        int piece = r.index();
        if (wholeCopiesOut.get(piece)) {
            q.partCopies.remove(piece);
            return;
        }
        if (q.partCopies.merge(piece, r.length(), Integer::sum) < info.pieceSize(piece)) {
            return;
        }
        q.partCopies.remove(piece);
        wholeCopiesOut.set(piece);
        if (++wholeCopies == info.pieceCount()) {
            state.everyPieceOut();
            LOG.info("{}: every piece is out, after {} bytes uploaded ({} copies)", info.name(),
                    state.uploaded(), String.format(Locale.ROOT, "%.2f",
                            (double) state.uploaded() / info.totalLength()));
            for (Queue each : peers.values()) {
                each.partCopies.clear();
            }
        }
    }
}
