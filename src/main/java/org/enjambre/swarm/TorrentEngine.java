package org.enjambre.swarm;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.enjambre.metainfo.Info;
import org.enjambre.metainfo.InfoHash;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.wire.Handshake;
import org.enjambre.wire.Message;
import org.enjambre.wire.MessageEncoder;
import org.enjambre.wire.WireDecoder;
import org.enjambre.wire.WireLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One torrent's peer engine: connects to peers and accepts them, keeps each connection's BEP 3
 * state, requests 16 KiB blocks pipelined through the {@link PiecePicker}, writes them through the
 * {@link PieceStore} on a worker pool, verifies each piece before telling anyone ({@code have}), and
 * serves verified pieces to interested peers, honouring socket backpressure and the upload rate.
 *
 * <p>Runs on one Vert.x context: public methods may be called from any thread and hop onto it.
 * {@link #state()} is the torrent's single source of truth for progress and counters.
 */
public final class TorrentEngine {
    private static final Logger LOG = LoggerFactory.getLogger(TorrentEngine.class);
    /** How often the engine checks keep-alives and idle peers. */
    static final long TICK_MILLIS = 500;

    private final Vertx vertx;
    private final Context context;
    private final Metainfo metainfo;
    private final Info info;
    private final InfoHash infoHash;
    private final byte[] peerId;
    private final PieceStore store;
    private final WorkerExecutor workers;
    private final NetClient client;
    private final EngineOptions options;
    private final TorrentState state;
    private final PiecePicker picker;
    private final RateLimiter uploadLimiter;
    /** Pieces up to this size are downloaded into memory, hashed there and written once. */
    static final int MAX_BUFFERED_PIECE = 4 * 1024 * 1024;
    /** Memory for pieces being downloaded into buffers; past it, pieces go to disk block by block. */
    static final long MAX_BUFFERED_BYTES = 48L * 1024 * 1024;
    /** Memory for whole pieces read for uploads (least recently used dropped first). */
    static final long READ_CACHE_BYTES = 16L * 1024 * 1024;

    /** First wait before dialling a known peer again; doubles up to {@link #REDIAL_MAX_MILLIS}. */
    static final long REDIAL_MIN_MILLIS = 1_000;
    static final long REDIAL_MAX_MILLIS = 60_000;
    /** Peers remembered for redialling (from --peer and tracker answers). */
    static final int MAX_KNOWN_PEERS = 1000;

    private final Set<PeerConnection> connections = new LinkedHashSet<>();
    private final java.util.Map<String, Redial> knownPeers = new java.util.LinkedHashMap<>();
    private final java.util.Map<Integer, byte[]> pieceBuffers = new java.util.HashMap<>();
    private long bufferedBytes;
    private final ReadCache readCache = new ReadCache(READ_CACHE_BYTES);
    private final java.util.Map<Integer, Future<byte[]>> readsLoading = new java.util.HashMap<>();
    private final Set<PeerConnection> handshaking = new LinkedHashSet<>();
    private final Promise<Void> completion = Promise.promise();
    private long timer = -1;
    private boolean started;
    private boolean stopped;

    /**
     * @param context the context the engine runs on (the hosting verticle's)
     * @param workers the worker pool for storage calls
     * @param client  the NetClient for outgoing connections
     */
    public TorrentEngine(Vertx vertx, Context context, Metainfo metainfo, byte[] peerId, PieceStore store,
                         WorkerExecutor workers, NetClient client, EngineOptions options) {
        this.vertx = vertx;
        this.context = context;
        this.metainfo = metainfo;
        this.info = metainfo.info();
        this.infoHash = metainfo.infoHash();
        this.peerId = peerId.clone();
        this.store = store;
        this.workers = workers;
        this.client = client;
        this.options = options;
        this.state = new TorrentState(info.pieceCount(), info.pieceLength(), info.totalLength());
        this.picker = new PiecePicker(info.pieceCount(), info.pieceLength(), info.totalLength(),
                WireLimits.BLOCK_LENGTH, state, new Random());
        this.uploadLimiter = new RateLimiter(options.uploadRate());
    }

    public InfoHash infoHash() {
        return infoHash;
    }

    public Metainfo metainfo() {
        return metainfo;
    }

    public TorrentState state() {
        return state;
    }

    public EngineOptions options() {
        return options;
    }

    /** Completes when every piece is verified (at once if the data was already complete). */
    public Future<Void> completion() {
        return completion.future();
    }

    /** Checks the existing data on a worker, then starts the timers. Fails if the data cannot be read. */
    public Future<Void> start() {
        return workers.executeBlocking(store::recheck, false).compose(found -> onContext(() -> {
            state.resetTo(found);
            started = true;
            LOG.info("{}: {} of {} pieces present", info.name(), found.cardinality(), info.pieceCount());
            if (state.complete()) {
                completion.tryComplete();
            }
            timer = vertx.setPeriodic(TICK_MILLIS, id -> tick());
            return null;
        }));
    }

    /** Closes every connection and the store. */
    public Future<Void> stop() {
        return onContext(() -> {
            stopped = true;
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
            for (PeerConnection c : new ArrayList<>(handshaking)) {
                c.close(null);
            }
            for (PeerConnection c : new ArrayList<>(connections)) {
                c.close(null);
            }
            completion.tryFail("engine stopped");
            return null;
        }).compose(v -> workers.executeBlocking(() -> {
            store.close();
            return null;
        }, false));
    }

    /**
     * Dials a peer, and remembers it: while it is not connected the engine dials it again, first
     * after {@link #REDIAL_MIN_MILLIS}, doubling up to {@link #REDIAL_MAX_MILLIS} (a seeder that was
     * still checking its data, a peer that restarted). The future fails if this TCP connection
     * cannot be made.
     */
    public Future<Void> connect(String host, int port) {
        return onContext(() -> {
            Redial known = knownPeers.get(host + ":" + port);
            if (known == null) {
                known = new Redial(host, port);
                if (knownPeers.size() < MAX_KNOWN_PEERS) {
                    knownPeers.put(host + ":" + port, known);
                }
            }
            return known;
        }).compose(this::dial);
    }

    /** A peer given to {@link #connect}: when to dial it next. */
    private static final class Redial {
        final String host;
        final int port;
        long delayMillis = REDIAL_MIN_MILLIS;
        long nextNanos;
        PeerConnection connection;

        Redial(String host, int port) {
            this.host = host;
            this.port = port;
        }
    }

    private Future<Void> dial(Redial peer) {
        peer.nextNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(peer.delayMillis);
        peer.delayMillis = Math.min(REDIAL_MAX_MILLIS, peer.delayMillis * 2);
        if (stopped || connections.size() + handshaking.size() >= options.maxConnections()) {
            return Future.failedFuture("connection limit reached");
        }
        return client.connect(peer.port, peer.host).map(socket -> {
            PeerConnection c = new PeerConnection(this, socket, WireDecoder.expectingHandshake(), false,
                    info.pieceCount());
            peer.connection = c;
            handshaking.add(c);
            c.start();
            c.send(Handshake.ours(infoHash.bytes(), peerId).encode());
            armHandshakeTimeout(c);
            return null;
        });
    }

    /**
     * Takes over an incoming connection whose handshake named this torrent; the decoder may hold
     * bytes that followed the handshake.
     */
    public void adopt(NetSocket socket, WireDecoder decoder, Handshake theirs) {
        onContext(() -> {
            PeerConnection c = new PeerConnection(this, socket, decoder, true, info.pieceCount());
            if (stopped || connections.size() >= options.maxConnections()) {
                LOG.debug("{}: refusing {}: connection limit", info.name(), c);
                socket.close();
                return null;
            }
            c.start();
            c.send(Handshake.ours(infoHash.bytes(), peerId).encode());
            handshaking.add(c);
            onHandshake(c, theirs);
            c.drain();
            return null;
        });
    }

    /** A snapshot of the connected peers, for the CLI and the dashboard. */
    public Future<List<PeerSnapshot>> peers() {
        return onContext(() -> {
            List<PeerSnapshot> out = new ArrayList<>();
            for (PeerConnection c : connections) {
                out.add(new PeerSnapshot(c.address, c.peerId.clone(), c.incoming, c.amChoking, c.amInterested,
                        c.peerChoking, c.peerInterested, c.pieces.cardinality(), c.bytesDownloaded, c.bytesUploaded,
                        c.outstanding.size()));
            }
            return out;
        });
    }

    /** What one connection looks like from outside the engine. */
    public record PeerSnapshot(String address, byte[] peerId, boolean incoming, boolean amChoking,
                               boolean amInterested, boolean peerChoking, boolean peerInterested, int pieces,
                               long downloaded, long uploaded, int requestsOutstanding) {
    }

    /**
     * Each connected peer's pieces (a copy), keyed by the same address as {@link #peers()}: read-only,
     * for the dashboard's piece map.
     */
    public Future<java.util.Map<String, BitSet>> peerPieces() {
        return onContext(() -> {
            java.util.Map<String, BitSet> out = new java.util.LinkedHashMap<>();
            for (PeerConnection c : connections) {
                out.put(c.address, (BitSet) c.pieces.clone());
            }
            return out;
        });
    }

    private <T> Future<T> onContext(java.util.concurrent.Callable<T> action) {
        Promise<T> promise = Promise.promise();
        Runnable run = () -> {
            try {
                promise.complete(action.call());
            } catch (Exception e) {
                promise.fail(e);
            }
        };
        if (Vertx.currentContext() == context) {
            run.run();
        } else {
            context.runOnContext(v -> run.run());
        }
        return promise.future();
    }

    private void armHandshakeTimeout(PeerConnection c) {
        vertx.setTimer(options.handshakeTimeout().toMillis(), id -> {
            if (!c.registered && !c.closed) {
                c.close("no handshake within " + options.handshakeTimeout().toSeconds() + " s");
            }
        });
    }

    // ---- events from connections ----

    void onHandshake(PeerConnection c, Handshake theirs) {
        handshaking.remove(c);
        if (!Arrays.equals(theirs.infoHash(), infoHash.bytes())) {
            c.close("handshake for another torrent " + InfoHash.of(theirs.infoHash()).hex());
            return;
        }
        if (Arrays.equals(theirs.peerId(), peerId)) {
            c.close(null); // we dialled ourselves
            return;
        }
        for (PeerConnection other : connections) {
            if (Arrays.equals(other.peerId, theirs.peerId())) {
                c.close(null); // already connected to that peer
                return;
            }
        }
        if (stopped) {
            c.close(null);
            return;
        }
        c.peerId = theirs.peerId();
        c.decoder.limits(WireLimits.of(info.pieceCount(), info.pieceLength(), info.totalLength(),
                theirs.supportsExtensions()));
        c.registered = true;
        connections.add(c);
        for (Redial known : knownPeers.values()) {
            if (known.connection == c) {
                known.delayMillis = REDIAL_MIN_MILLIS;
            }
        }
        state.peers(1);
        LOG.debug("{}: connected {} ({})", info.name(), c, c.incoming ? "incoming" : "outgoing");
        if (state.verifiedCount() > 0) {
            c.send(new Message.Bitfield(state.bitfieldBytes()));
        }
    }

    void onMessage(PeerConnection c, Message m) {
        if (m instanceof Message.Piece piece) {
            onPiece(c, piece);
        } else if (m instanceof Message.Request r) {
            onRequest(c, r);
        } else if (m instanceof Message.Have have) {
            peerHas(c, have.index());
            updateInterest(c);
            fillRequests(c);
        } else if (m instanceof Message.Bitfield bitfield) {
            // BEP 3 wants the bitfield first, but aria2 sends it after other messages: accept it
            // whenever it comes, as a set of have messages (its length and spare bits are checked).
            byte[] bits = bitfield.bits();
            for (int i = 0; i < info.pieceCount(); i++) {
                if ((bits[i >>> 3] & (0x80 >>> (i & 7))) != 0) {
                    peerHas(c, i);
                }
            }
            updateInterest(c);
        } else if (m instanceof Message.Unchoke) {
            c.peerChoking = false;
            fillRequests(c);
        } else if (m instanceof Message.Choke) {
            c.peerChoking = true;
            releaseRequests(c); // BEP 3: a choke discards every pending request
        } else if (m instanceof Message.Interested) {
            c.peerInterested = true;
            decideChoke(c);
        } else if (m instanceof Message.NotInterested) {
            c.peerInterested = false;
            decideChoke(c);
        } else if (m instanceof Message.Cancel cancel) {
            c.uploadQueue.remove(new Message.Request(cancel.index(), cancel.begin(), cancel.length()));
        }
        // KeepAlive, Port and Extended need nothing: reading them already refreshed the idle clock.
    }

    private void peerHas(PeerConnection c, int piece) {
        if (!c.pieces.get(piece)) {
            c.pieces.set(piece);
            picker.peerHas(piece);
            if (!state.has(piece)) {
                c.interesting++;
            }
        }
    }

    private void updateInterest(PeerConnection c) {
        if (c.interesting > 0 && !c.amInterested) {
            c.amInterested = true;
            c.send(Message.Interested.INSTANCE);
        } else if (c.interesting == 0 && c.amInterested) {
            c.amInterested = false;
            c.send(Message.NotInterested.INSTANCE);
        }
        if (state.complete() && c.pieces.cardinality() == info.pieceCount()) {
            c.close(null); // two seeds have nothing to trade
        }
    }

    /** First-version choker: every interested peer is unchoked (issue 5 adds tit-for-tat). */
    private void decideChoke(PeerConnection c) {
        if (c.peerInterested && c.amChoking) {
            c.amChoking = false;
            c.send(Message.Unchoke.INSTANCE);
            serve(c);
        } else if (!c.peerInterested && !c.amChoking) {
            c.amChoking = true;
            c.uploadQueue.clear();
            c.send(Message.Choke.INSTANCE);
        }
    }

    // ---- downloading ----

    private void fillRequests(PeerConnection c) {
        if (c.closed || c.peerChoking || !c.amInterested || !started) {
            return;
        }
        Buffer batch = null;
        int added = 0;
        while (c.outstanding.size() + c.pendingWrites < options.requestQueueDepth()) {
            long block = picker.next(c.pieces);
            if (block < 0) {
                break;
            }
            c.outstanding.add(block);
            int piece = PiecePicker.pieceOf(block);
            int begin = PiecePicker.beginOf(block);
            Buffer encoded = MessageEncoder.encode(new Message.Request(piece, begin, picker.blockSize(piece, begin)));
            if (batch == null) {
                batch = Buffer.buffer(17 * 32);
            }
            batch.appendBuffer(encoded);
            added++;
        }
        if (batch != null) {
            if (c.outstanding.size() == added) {
                c.lastBlockNanos = System.nanoTime(); // the clock starts with the first request
            }
            state.requestsOutstanding(added);
            c.send(batch); // one write for the whole batch: fewer syscalls when refilling deep pipelines
        }
    }

    private void releaseRequests(PeerConnection c) {
        for (long block : c.outstanding) {
            picker.release(block);
        }
        state.requestsOutstanding(-c.outstanding.size());
        c.outstanding.clear();
    }

    private void onPiece(PeerConnection c, Message.Piece piece) {
        long block = PiecePicker.block(piece.index(), piece.begin());
        int length = piece.block().length;
        if (!c.outstanding.remove(block)) {
            state.addWasted(length); // not asked of this peer (or after a choke): drop it
            return;
        }
        state.requestsOutstanding(-1);
        c.lastBlockNanos = System.nanoTime();
        if (length != picker.blockSize(piece.index(), piece.begin()) || !picker.wanted(block)) {
            picker.release(block);
            state.addWasted(length);
            return;
        }
        state.addDownloaded(length);
        c.bytesDownloaded += length;
        byte[] buffer = pieceBuffer(piece.index());
        if (buffer != null) {
            // Buffered piece: the block waits in memory; the whole piece is hashed there and
            // written once, verified, in one worker task (no per-block hop, no read-back).
            System.arraycopy(piece.block(), 0, buffer, piece.begin(), length);
            if (picker.written(block)) {
                verifyBuffered(piece.index(), buffer);
            }
            fillRequests(c);
            return;
        }
        c.pendingWrites++;
        ByteBuffer data = ByteBuffer.wrap(piece.block());
        workers.executeBlocking(() -> {
            store.writeBlock(piece.index(), piece.begin(), data);
            return null;
        }, false).onComplete(ar -> {
            c.pendingWrites--;
            if (stopped) {
                return; // the store is closed: late writes fail and need no log
            }
            if (ar.failed()) {
                LOG.error("{}: writing piece {} failed: {}", info.name(), piece.index(), ar.cause().getMessage());
                picker.release(block);
                fail(ar.cause());
                return;
            }
            if (picker.written(block)) {
                verify(piece.index());
            }
            fillRequests(c);
        });
        fillRequests(c);
    }

    /**
     * The memory buffer of a piece being downloaded, made when its first block arrives if the piece
     * is small enough and the memory budget allows; null means the piece goes to disk block by block.
     */
    private byte[] pieceBuffer(int piece) {
        byte[] buffer = pieceBuffers.get(piece);
        if (buffer != null || picker.writtenCount(piece) > 0) {
            return buffer;
        }
        int size = picker.pieceSize(piece);
        if (size > MAX_BUFFERED_PIECE || bufferedBytes + size > MAX_BUFFERED_BYTES) {
            return null;
        }
        buffer = new byte[size];
        pieceBuffers.put(piece, buffer);
        bufferedBytes += size;
        return buffer;
    }

    private void releaseBuffer(int piece) {
        byte[] buffer = pieceBuffers.remove(piece);
        if (buffer != null) {
            bufferedBytes -= buffer.length;
        }
    }

    private void verifyBuffered(int piece, byte[] buffer) {
        workers.executeBlocking(() -> {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-1").digest(buffer);
            if (!info.pieceHashMatches(piece, digest)) {
                return false;
            }
            store.writeBlock(piece, 0, ByteBuffer.wrap(buffer));
            return true;
        }, false).onComplete(ar -> {
            releaseBuffer(piece);
            onVerified(piece, ar.failed() ? null : ar.result(), ar.cause());
        });
    }

    private void verify(int piece) {
        workers.executeBlocking(() -> store.verifyPiece(piece), false)
                .onComplete(ar -> onVerified(piece, ar.failed() ? null : ar.result(), ar.cause()));
    }

    private void onVerified(int piece, Boolean valid, Throwable failure) {
        if (stopped) {
            return;
        }
        if (failure != null) {
            LOG.error("{}: storing piece {} failed: {}", info.name(), piece, failure.getMessage());
            picker.failed(piece);
            fail(failure);
            return;
        }
        if (!valid) {
            state.hashFailed();
            picker.failed(piece);
            LOG.warn("{}: piece {} failed SHA-1, fetching it again", info.name(), piece);
            for (PeerConnection c : connections) {
                fillRequests(c);
            }
            return;
        }
        picker.verified(piece);
        if (!state.markVerified(piece)) {
            return;
        }
        state.pieceVerified();
        Buffer have = MessageEncoder.encode(new Message.Have(piece));
        for (PeerConnection c : new ArrayList<>(connections)) {
            if (c.pieces.get(piece)) {
                c.interesting--;
            } else {
                c.send(have.copy());
            }
            updateInterest(c);
        }
        if (state.complete()) {
            LOG.info("{}: download complete, {} pieces verified", info.name(), info.pieceCount());
            completion.tryComplete();
        }
    }

    private void fail(Throwable cause) {
        completion.tryFail(cause);
    }

    // ---- uploading ----

    private void onRequest(PeerConnection c, Message.Request r) {
        if (c.amChoking || !state.has(r.index())) {
            return; // BEP 3: requests while choked are dropped; only verified pieces are served
        }
        if (c.uploadQueue.size() >= options.maxUploadQueue()) {
            c.close("more than " + options.maxUploadQueue() + " requests queued");
            return;
        }
        c.uploadQueue.add(r);
        serve(c);
    }

    /** Sends queued blocks while the socket can take them; resumes from drain or the rate timer. */
    private void serve(PeerConnection c) {
        while (!c.closed && !c.amChoking && !c.uploadQueue.isEmpty()
                && c.readsInFlight < options.maxReadsPerPeer()) {
            if (c.socket.writeQueueFull()) {
                if (!c.drainArmed) {
                    c.drainArmed = true;
                    c.socket.drainHandler(v -> {
                        c.drainArmed = false;
                        serve(c);
                    });
                }
                return;
            }
            Message.Request r = c.uploadQueue.peek();
            long wait = uploadLimiter.acquire(r.length());
            if (wait > 0) {
                if (!c.rateTimerArmed) {
                    c.rateTimerArmed = true;
                    vertx.setTimer(wait, id -> {
                        c.rateTimerArmed = false;
                        serve(c);
                    });
                }
                return;
            }
            c.uploadQueue.poll();
            byte[] cached = readCache.get(r.index());
            if (cached != null) {
                sendBlock(c, r, cached, r.begin());
                continue;
            }
            c.readsInFlight++;
            boolean wholePiece = picker.pieceSize(r.index()) <= MAX_BUFFERED_PIECE;
            loadForUpload(r, wholePiece).onComplete(ar -> {
                c.readsInFlight--;
                if (ar.failed()) {
                    LOG.error("{}: reading piece {} failed: {}", info.name(), r.index(), ar.cause().getMessage());
                    c.close(null);
                    return;
                }
                sendBlock(c, r, ar.result(), wholePiece ? r.begin() : 0);
                serve(c);
            });
        }
    }

    /**
     * Reads what a request needs: the whole piece (small pieces, kept in {@link #readCache} so that
     * the piece's other blocks are served without touching the disk again), or just the block.
     */
    private Future<byte[]> loadForUpload(Message.Request r, boolean wholePiece) {
        if (!wholePiece) {
            return workers.executeBlocking(() -> toArray(store.readBlock(r.index(), r.begin(), r.length())), false);
        }
        Future<byte[]> loading = readsLoading.get(r.index());
        if (loading == null) {
            int size = picker.pieceSize(r.index());
            loading = workers.executeBlocking(() -> toArray(store.readBlock(r.index(), 0, size)), false);
            readsLoading.put(r.index(), loading);
            loading.onComplete(ar -> {
                readsLoading.remove(r.index());
                if (ar.succeeded()) {
                    readCache.put(r.index(), ar.result());
                }
            });
        }
        return loading;
    }

    private void sendBlock(PeerConnection c, Message.Request r, byte[] data, int offset) {
        if (c.closed || c.amChoking) {
            return;
        }
        c.send(MessageEncoder.pieceHeader(r.index(), r.begin(), r.length()).appendBytes(data, offset, r.length()));
        c.bytesUploaded += r.length();
        state.addUploaded(r.length());
    }

    private static byte[] toArray(ByteBuffer data) {
        if (data.hasArray() && data.arrayOffset() == 0 && data.position() == 0 && data.remaining() == data.array().length) {
            return data.array();
        }
        byte[] out = new byte[data.remaining()];
        data.duplicate().get(out);
        return out;
    }

    // ---- lifecycle of connections ----

    void closed(PeerConnection c, String reason) {
        if (c.closed) {
            return;
        }
        c.closed = true;
        handshaking.remove(c);
        if (reason != null) {
            LOG.info("{}: closing {}: {}", info.name(), c, reason);
        }
        if (c.registered && connections.remove(c)) {
            state.peers(-1);
            releaseRequests(c);
            picker.peerGone(c.pieces);
            c.uploadQueue.clear();
            for (PeerConnection other : connections) {
                fillRequests(other); // someone else may have the blocks it was sending
            }
        }
    }

    private void tick() {
        long now = System.nanoTime();
        for (Redial known : knownPeers.values()) {
            boolean connected = known.connection != null && !known.connection.closed;
            if (!connected && !stopped && now - known.nextNanos >= 0) {
                dial(known).onFailure(e -> LOG.debug("{}: cannot reach {}:{}: {}", info.name(), known.host,
                        known.port, e.getMessage()));
            }
        }
        long keepAlive = options.keepAliveInterval().toNanos();
        long idle = options.idleTimeout().toNanos();
        long requestTimeout = options.requestTimeout().toNanos();
        for (PeerConnection c : new ArrayList<>(connections)) {
            if (!c.outstanding.isEmpty() && now - c.lastBlockNanos > requestTimeout) {
                // Its requests go back to the picker; everyone (this peer too) may be asked again.
                LOG.info("{}: {} left {} requests unanswered for {} s; asking again", info.name(), c,
                        c.outstanding.size(), TimeUnit.NANOSECONDS.toSeconds(requestTimeout));
                releaseRequests(c);
                c.lastBlockNanos = now;
                for (PeerConnection other : connections) {
                    fillRequests(other);
                }
            }
            if (now - c.lastReceivedNanos > idle) {
                c.close("nothing received for " + TimeUnit.NANOSECONDS.toSeconds(idle) + " s");
            } else if (now - c.lastSentNanos > keepAlive) {
                c.send(Message.KeepAlive.INSTANCE);
            }
        }
    }
}
