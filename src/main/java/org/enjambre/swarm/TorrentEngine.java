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
    private final RateLimiter downloadLimiter;
    private final Random random = new Random();
    /** Peers banned for this session (peer id hex), for data that failed SHA-1. */
    private final Set<String> banned = new java.util.HashSet<>();
    /** Addresses of banned peers that we dialled: never dialled again. */
    private final Set<String> bannedAddresses = new java.util.HashSet<>();
    /** Who sent each block (by block index) of each piece being downloaded: blamed if it fails SHA-1. */
    private final java.util.Map<Integer, java.util.Map<Integer, PeerStats>> contributors = new java.util.HashMap<>();
    /**
     * Blocks of pieces that failed SHA-1 with several senders: the SHA-1 of each block as it was
     * received and who sent it. When the piece later verifies, a sender whose block differs from
     * the good one sent bad data for certain and is banned; the others are cleared.
     */
    private final java.util.Map<Integer, java.util.Map<Integer, Suspect>> suspects = new java.util.HashMap<>();

    private record Suspect(PeerStats sender, byte[] digest) {
    }
    private long nextChokeNanos;
    private long nextOptimisticNanos;
    private long nextResumeSaveNanos;
    private boolean resumeDirty;
    private boolean resumeSaving;
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
    private final PieceBuffers pieceBuffers = new PieceBuffers(MAX_BUFFERED_BYTES, MAX_BUFFERED_PIECE);
    private final ReadCache readCache = new ReadCache(READ_CACHE_BYTES);
    private final java.util.Map<Integer, Future<byte[]>> readsLoading = new java.util.HashMap<>();
    private final Set<PeerConnection> handshaking = new LinkedHashSet<>();
    private final Promise<Void> completion = Promise.promise();
    private long timer = -1;
    private PeerExtensions extensions = PeerExtensions.NONE;
    private boolean started;
    private boolean stopped;

    /**
     * @param context the context the engine runs on (the hosting verticle's)
     * @param workers the worker pool for storage calls
     * @param client  the NetClient for outgoing connections
     */
    public TorrentEngine(Vertx vertx, Context context, Metainfo metainfo, byte[] peerId, PieceStore store,
                         WorkerExecutor workers, NetClient client, EngineOptions options) {
        this(vertx, context, metainfo, peerId, store, workers, client, options, null, null);
    }

    /**
     * @param nodeUpload   the node's upload limit shared by its torrents (null for none)
     * @param nodeDownload the node's download limit shared by its torrents (null for none)
     */
    public TorrentEngine(Vertx vertx, Context context, Metainfo metainfo, byte[] peerId, PieceStore store,
                         WorkerExecutor workers, NetClient client, EngineOptions options,
                         RateLimiter nodeUpload, RateLimiter nodeDownload) {
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
        this.uploadLimiter = new RateLimiter(options.uploadRate(), nodeUpload);
        this.downloadLimiter = new RateLimiter(options.downloadRate(), nodeDownload);
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

    /**
     * The extensions (BEP 10) this torrent's connections use; set before peers connect. They hear
     * each accepted handshake, every extended message, each departure and each verified piece.
     */
    public Future<Void> extensions(PeerExtensions hook) {
        return onContext(() -> {
            extensions = hook == null ? PeerExtensions.NONE : hook;
            return null;
        });
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
            long now = System.nanoTime();
            nextChokeNanos = now + options.chokeInterval().toNanos();
            nextOptimisticNanos = now + options.optimisticInterval().toNanos();
            nextResumeSaveNanos = now + options.resumeSaveInterval().toNanos();
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
            return started ? state.bitfield() : null;
        }).compose(verified -> workers.executeBlocking(() -> {
            try {
                if (verified != null) {
                    store.saveResume(verified); // a clean stop leaves resume data that a restart trusts
                }
            } catch (Exception e) {
                LOG.warn("{}: saving resume data failed: {}", info.name(), e.getMessage());
            }
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
        // dial() must run on the engine's context (the socket then lives there too): chaining it with
        // compose() would run it on the caller's thread whenever the hop finished first.
        Promise<Void> dialled = Promise.promise();
        onContext(() -> {
            Redial known = knownPeers.get(host + ":" + port);
            if (known == null) {
                known = new Redial(host, port);
                if (knownPeers.size() < MAX_KNOWN_PEERS) {
                    knownPeers.put(host + ":" + port, known);
                }
            }
            dial(known).onComplete(dialled);
            return null;
        });
        return dialled.future();
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
        if (bannedAddresses.contains(peer.host + ":" + peer.port)) {
            return Future.failedFuture("peer banned for this session");
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
        String idHex = InfoHash.of(theirs.peerId()).hex();
        if (banned.contains(idHex)) {
            c.close("banned for this session (sent data that failed SHA-1)");
            return;
        }
        c.peerId = theirs.peerId();
        c.stats = state.peerStatsFor(idHex, c.address);
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
        extensions.onHandshake(c, theirs); // BEP 10: the extended handshake goes right after ours
        if (state.verifiedCount() > 0) {
            c.send(new Message.Bitfield(state.bitfieldBytes()));
        }
        c.downloadedAtRound = c.bytesDownloaded;
        c.uploadedAtRound = c.bytesUploaded;
    }

    void onMessage(PeerConnection c, Message m) {
        if (m instanceof Message.Piece piece) {
            onPiece(c, piece);
        } else if (m instanceof Message.Request r) {
            onRequest(c, r);
        } else if (m instanceof Message.Have have) {
            peerHas(c, have.index());
            updateInterest(c);
            rerouteFromSeeds(c, have.index());
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
            boolean had = !c.outstanding.isEmpty();
            releaseRequests(c); // BEP 3: a choke discards every pending request
            if (had) {
                refillOthers(c);
            }
        } else if (m instanceof Message.Interested) {
            c.peerInterested = true;
            decideChoke(c);
        } else if (m instanceof Message.NotInterested) {
            c.peerInterested = false;
            decideChoke(c);
        } else if (m instanceof Message.Cancel cancel) {
            c.uploadQueue.remove(new Message.Request(cancel.index(), cancel.begin(), cancel.length()));
        } else if (m instanceof Message.Extended extended) {
            extensions.onExtended(c, extended);
        }
        // KeepAlive and Port need nothing: reading them already refreshed the idle clock.
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

    /**
     * Between choke rounds: a peer that becomes interested gets a slot at once if one is free (no
     * 10 s wait at the start of a swarm); one that loses interest gives its slot back.
     */
    private void decideChoke(PeerConnection c) {
        if (c.peerInterested && c.amChoking) {
            if (regularUnchoked() < uploadSlots()) {
                unchoke(c);
            } else if (!hasLiveOptimistic()) {
                c.optimistic = true;
                unchoke(c);
            }
        } else if (!c.peerInterested && !c.amChoking) {
            boolean wasOptimistic = c.optimistic;
            choke(c);
            c.optimistic = false;
            giveFreeSlot(wasOptimistic);
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
        PeerConnection best = null;
        long bestRate = -1;
        int ties = 0;
        for (PeerConnection o : connections) {
            if (o.closed || !o.amChoking || !o.peerInterested) {
                continue;
            }
            long rate = seeding ? o.bytesUploaded - o.uploadedAtRound : o.bytesDownloaded - o.downloadedAtRound;
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
        best.optimistic = optimistic;
        unchoke(best);
        return true;
    }

    /** Regular upload slots now: the configured ones plus those added while our upload idled. */
    private int uploadSlots() {
        return options.uploadSlots() + extraSlots;
    }

    /** Slots added by {@link #useIdleUpload}, at most as many as the configured ones. */
    private int extraSlots;
    private long uploadSampleBytes;
    private long uploadSampleNanos = System.nanoTime();
    private long uploadedAtRound;
    private long roundStartNanos = System.nanoTime();

    /**
     * Under an upload limit, an upload that runs well below it means the unchoked peers have too
     * little to ask of us (they take those pieces from others): one more interested peer gets a
     * slot now, as a rate-based choker does. A choke round that uses the limit nearly fully gives
     * one such slot back.
     */
    private void useIdleUpload(long now) {
        long rate = uploadLimiter.effectiveRate();
        double seconds = (now - uploadSampleNanos) / 1e9;
        if (rate == 0 || seconds < 0.2) {
            return;
        }
        long sent = state.uploaded() - uploadSampleBytes;
        uploadSampleBytes = state.uploaded();
        uploadSampleNanos = now;
        if (sent < IDLE_UPLOAD_SHARE * rate * seconds && extraSlots < options.uploadSlots()
                && regularUnchoked() >= uploadSlots() && unchokeBestChoked(false)) {
            extraSlots++;
        }
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

    /** Below this share of the upload limit over a tick, the upload is idling. */
    static final double IDLE_UPLOAD_SHARE = 0.7;
    /** At or above this share over a choke round, the upload is full. */
    static final double FULL_UPLOAD_SHARE = 0.9;

    private int regularUnchoked() {
        int n = 0;
        for (PeerConnection o : connections) {
            if (!o.amChoking && !o.optimistic) {
                n++;
            }
        }
        return n;
    }

    private boolean hasLiveOptimistic() {
        for (PeerConnection o : connections) {
            if (o.optimistic && !o.amChoking) {
                return true;
            }
        }
        return false;
    }

    private void unchoke(PeerConnection c) {
        if (c.amChoking) {
            c.amChoking = false;
            c.send(Message.Unchoke.INSTANCE);
            serve(c);
        }
    }

    private void choke(PeerConnection c) {
        if (!c.amChoking) {
            c.amChoking = true;
            c.uploadQueue.clear();
            c.send(Message.Choke.INSTANCE);
        }
    }

    /**
     * A choke round (tit-for-tat): the regular slots go to the interested peers that sent us the
     * most in the last round (a seeder: those it sent the most to, so its upload goes where it
     * flows), ties broken at random; the optimistic unchoke moves to a random other interested peer
     * when {@code rotateOptimistic} (or when its holder left or took a regular slot).
     */
    /** Rounds in a row a seeder keeps a peer in a regular slot before it sits one out. */
    static final int SEED_SLOT_ROUNDS = 3;

    private void rechoke(boolean rotateOptimistic) {
        boolean seeding = state.complete();
        List<PeerConnection> all = new ArrayList<>(connections);
        List<Choker.Candidate<PeerConnection>> candidates = new ArrayList<>();
        PeerConnection currentOptimistic = null;
        for (PeerConnection c : all) {
            long rate = seeding ? c.bytesUploaded - c.uploadedAtRound : c.bytesDownloaded - c.downloadedAtRound;
            c.downloadedAtRound = c.bytesDownloaded;
            c.uploadedAtRound = c.bytesUploaded;
            if (c.optimistic && !c.amChoking) {
                currentOptimistic = c;
            }
            if (c.peerInterested) {
                // A snubbing peer sends nothing: it earns no regular slot while leeching. A seeder
                // rotates: a peer that held a regular slot for SEED_SLOT_ROUNDS rounds sits one out,
                // so that every leecher gets pieces to trade, not only the fastest few.
                boolean rotatedOut = seeding && c.roundsUnchoked >= SEED_SLOT_ROUNDS;
                candidates.add(new Choker.Candidate<>(c, rotatedOut || (!seeding && c.snubbed) ? -1 : rate));
            }
        }
        settleExtraSlots(System.nanoTime());
        Choker.Selection<PeerConnection> selection = Choker.select(candidates, uploadSlots(),
                currentOptimistic, rotateOptimistic, random);
        for (PeerConnection c : all) {
            c.optimistic = c == selection.optimistic();
            boolean regular = selection.regular().contains(c);
            c.roundsUnchoked = regular ? c.roundsUnchoked + 1 : 0;
            if (regular || c.optimistic) {
                unchoke(c);
            } else {
                choke(c);
            }
        }
    }

    // ---- downloading ----

    private void fillRequests(PeerConnection c) {
        if (c.closed || c.peerChoking || !c.amInterested || !started) {
            return;
        }
        Buffer batch = null;
        int added = 0;
        int depth = c.snubbed ? 1 : requestDepth(c);
        while (c.outstanding.size() + c.pendingWrites < depth) {
            long block = picker.next(c.pieces);
            if (block < 0 && picker.inEndgame()) {
                block = picker.nextEndgame(c.pieces, c.outstanding, options.endgameRedundancy());
                if (block >= 0) {
                    state.endgameRequest();
                }
            }
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
                c.lastBlockNanos = System.nanoTime(); // the request and snub clocks start with the first request
            }
            state.requestsOutstanding(added);
            c.stats.requestsOutstanding(added);
            c.send(batch); // one write for the whole batch: fewer syscalls when refilling deep pipelines
        }
    }

    /**
     * A leecher that unchokes us just announced a piece whose blocks we still wait for from a seed:
     * those requests are cancelled at the seed and the blocks go to the leecher. A seed's upload is
     * the swarm's scarcest: spent on a piece that is now on offer elsewhere, it is a copy lost to
     * the pieces only the seed has.
     */
    private void rerouteFromSeeds(PeerConnection from, int piece) {
        if (from.peerChoking || state.has(piece) || stopped || !started) {
            return;
        }
        for (PeerConnection seed : connections) {
            if (seed == from || seed.pieces.cardinality() < info.pieceCount() || seed.outstanding.isEmpty()) {
                continue;
            }
            int moved = 0;
            for (java.util.Iterator<Long> it = seed.outstanding.iterator(); it.hasNext(); ) {
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
                seed.stats.requestsOutstanding(-moved);
                state.rerouted(moved);
            }
        }
    }

    /** Requests kept in flight to a peer cover this much of its recent rate (libtorrent: 3 s). */
    static final double REQUEST_QUEUE_SECONDS = 1.0;
    /** In flight to any peer at least, also before its rate is known. */
    static final int MIN_REQUEST_DEPTH = 16;

    /**
     * The pipeline depth for a peer: about {@link #REQUEST_QUEUE_SECONDS} of what it sent lately,
     * between {@link #MIN_REQUEST_DEPTH} and the configured depth. A slow peer holds few blocks, so
     * blocks are not locked for long at a peer that cannot deliver them soon (and a rate-limited
     * seed is not asked for seconds of pieces that other leechers get meanwhile).
     */
    private int requestDepth(PeerConnection c) {
        long wanted = (long) Math.ceil(c.downloadRate * REQUEST_QUEUE_SECONDS / WireLimits.BLOCK_LENGTH);
        return (int) Math.max(Math.min(MIN_REQUEST_DEPTH, options.requestQueueDepth()),
                Math.min(options.requestQueueDepth(), wanted));
    }

    private void releaseRequests(PeerConnection c) {
        for (long block : c.outstanding) {
            picker.release(block);
        }
        state.requestsOutstanding(-c.outstanding.size());
        if (c.stats != null) {
            c.stats.requestsOutstanding(-c.outstanding.size());
        }
        c.outstanding.clear();
    }

    /** Requests freed by a choke, a disconnect or a snub go to whoever can take them. */
    private void refillOthers(PeerConnection except) {
        for (PeerConnection other : new ArrayList<>(connections)) {
            if (other != except) {
                fillRequests(other);
            }
        }
    }

    private void onPiece(PeerConnection c, Message.Piece piece) {
        long block = PiecePicker.block(piece.index(), piece.begin());
        int length = piece.block().length;
        if (!c.outstanding.remove(block)) {
            state.addWasted(length); // not asked of this peer (or after a choke): drop it
            return;
        }
        state.requestsOutstanding(-1);
        c.stats.requestsOutstanding(-1);
        c.lastBlockNanos = System.nanoTime();
        if (c.snubbed) {
            c.snubbed = false;
            LOG.debug("{}: {} sends again", info.name(), c);
        }
        if (length != picker.blockSize(piece.index(), piece.begin()) || !picker.wanted(block)) {
            picker.release(block);
            state.addWasted(length);
            fillRequests(c);
            return;
        }
        if (picker.requesters(block) > 1) {
            cancelDuplicates(c, block, piece.index(), piece.begin(), length);
        }
        state.addDownloaded(length);
        c.bytesDownloaded += length;
        c.stats.addDownloaded(length);
        contributors.computeIfAbsent(piece.index(), k -> new java.util.HashMap<>())
                .put(piece.begin() / WireLimits.BLOCK_LENGTH, c.stats);
        byte[] buffer = pieceBuffers.forBlock(piece.index(), picker.pieceSize(piece.index()),
                picker.writtenCount(piece.index()) > 0);
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

    /** Endgame: the block came from {@code from}; the other peers asked for it get a {@code cancel}. */
    private void cancelDuplicates(PeerConnection from, long block, int index, int begin, int length) {
        for (PeerConnection other : connections) {
            if (other != from && other.outstanding.remove(block)) {
                other.send(new Message.Cancel(index, begin, length));
                state.requestsOutstanding(-1);
                other.stats.requestsOutstanding(-1);
                state.cancelSent();
            }
        }
    }

    private void verifyBuffered(int piece, byte[] buffer) {
        boolean suspected = suspects.containsKey(piece);
        workers.executeBlocking(() -> {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-1").digest(buffer);
            boolean valid = info.pieceHashMatches(piece, digest);
            // Block digests only when someone is to be judged by them: a failure, or a suspect's piece.
            byte[][] blocks = !valid || suspected ? blockDigests(buffer) : null;
            if (valid) {
                store.writeBlock(piece, 0, ByteBuffer.wrap(buffer));
            }
            return new Verdict(valid, blocks);
        }, false).onComplete(ar -> {
            pieceBuffers.release(piece);
            if (ar.succeeded()) {
                judgeBlocks(piece, ar.result());
            }
            onVerified(piece, ar.failed() ? null : ar.result().valid(), ar.cause());
        });
    }

    private record Verdict(boolean valid, byte[][] blockDigests) {
    }

    private static byte[][] blockDigests(byte[] piece) throws java.security.NoSuchAlgorithmException {
        java.security.MessageDigest sha1 = java.security.MessageDigest.getInstance("SHA-1");
        int n = (piece.length + WireLimits.BLOCK_LENGTH - 1) / WireLimits.BLOCK_LENGTH;
        byte[][] out = new byte[n][];
        for (int b = 0; b < n; b++) {
            int from = b * WireLimits.BLOCK_LENGTH;
            sha1.update(piece, from, Math.min(WireLimits.BLOCK_LENGTH, piece.length - from));
            out[b] = sha1.digest();
        }
        return out;
    }

    /**
     * Smart ban for pieces with several senders: a failed piece keeps each block's digest and sender
     * as suspects; once the piece verifies, the senders of blocks that differ from the good data are
     * banned (they sent bad data for certain), the others were innocent.
     */
    private void judgeBlocks(int piece, Verdict verdict) {
        if (verdict.blockDigests() == null) {
            return;
        }
        if (!verdict.valid()) {
            java.util.Map<Integer, PeerStats> senders = contributors.get(piece);
            if (senders != null && new java.util.HashSet<>(senders.values()).size() > 1) {
                java.util.Map<Integer, Suspect> record = suspects.computeIfAbsent(piece, k -> new java.util.HashMap<>());
                senders.forEach((block, sender) -> {
                    if (block < verdict.blockDigests().length) {
                        record.putIfAbsent(block, new Suspect(sender, verdict.blockDigests()[block]));
                    }
                });
            }
            return;
        }
        java.util.Map<Integer, Suspect> record = suspects.remove(piece);
        if (record == null) {
            return;
        }
        record.forEach((block, suspect) -> {
            if (!Arrays.equals(suspect.digest(), verdict.blockDigests()[block]) && !suspect.sender().banned()) {
                ban(suspect.sender(), suspect.sender().hashFailures());
            }
        });
    }

    private void verify(int piece) {
        workers.executeBlocking(() -> store.verifyPiece(piece), false)
                .onComplete(ar -> onVerified(piece, ar.failed() ? null : ar.result(), ar.cause()));
    }

    private void onVerified(int piece, Boolean valid, Throwable failure) {
        pieceBuffers.settled(piece);
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
            blame(piece);
            LOG.warn("{}: piece {} failed SHA-1, fetching it again", info.name(), piece);
            for (PeerConnection c : new ArrayList<>(connections)) {
                fillRequests(c);
            }
            return;
        }
        contributors.remove(piece);
        resumeDirty = true;
        picker.verified(piece);
        if (!state.markVerified(piece)) {
            return;
        }
        state.pieceVerified();
        // Every peer is told, even one that has the piece already (libtorrent's send_redundant_have
        // default): a seeder learns its leechers' progress that way, for its choker and the dashboard.
        Buffer have = MessageEncoder.encode(new Message.Have(piece));
        for (PeerConnection c : new ArrayList<>(connections)) {
            if (c.pieces.get(piece)) {
                c.interesting--;
            }
            c.send(have.copy());
            updateInterest(c);
        }
        extensions.onPieceVerified(piece);
        if (state.complete()) {
            LOG.info("{}: download complete, {} pieces verified", info.name(), info.pieceCount());
            completion.tryComplete();
        }
    }

    /** Hash failures a peer may be involved in before it is banned (alone in one is enough). */
    static final int BAN_AFTER_HASH_FAILURES = 2;

    /**
     * A piece failed SHA-1: everyone who sent blocks of it is recorded; a peer that sent all of it,
     * or is involved in {@link #BAN_AFTER_HASH_FAILURES} failures, is disconnected and banned.
     */
    private void blame(int piece) {
        java.util.Map<Integer, PeerStats> byBlock = contributors.remove(piece);
        if (byBlock == null) {
            return;
        }
        Set<PeerStats> senders = new java.util.HashSet<>(byBlock.values());
        // With block evidence kept (a buffered piece), a shared failure is settled when the piece
        // verifies (judgeBlocks); without it, two failures are enough, as the issue asks.
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
        banned.add(peer.peerIdHex());
        state.banned();
        LOG.warn("{}: banning {} for this session: involved in {} piece(s) that failed SHA-1", info.name(),
                peer.address(), failures);
        for (PeerConnection c : new ArrayList<>(connections)) {
            if (c.stats == peer) {
                for (Redial known : knownPeers.values()) {
                    if (known.connection == c) {
                        bannedAddresses.add(known.host + ":" + known.port);
                    }
                }
                c.close("banned: sent data that failed SHA-1");
            }
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

    /**
     * Sends queued blocks while the socket can take them; resumes from drain, a finished read, or
     * the upload pacer. Under an upload limit the blocks go out through {@link #pumpUploads}.
     */
    private void serve(PeerConnection c) {
        if (uploadLimiter.limited()) {
            if (!c.waitingToUpload) {
                c.waitingToUpload = true;
                uploadWaiters.addLast(c);
            }
            pumpUploads();
            return;
        }
        while (canSend(c)) {
            sendNext(c);
        }
    }

    /** Whether {@code c} may send its next block now; arms its drain handler when its socket is full. */
    private boolean canSend(PeerConnection c) {
        if (c.closed || c.amChoking || c.uploadQueue.isEmpty() || c.readsInFlight >= options.maxReadsPerPeer()) {
            return false;
        }
        if (c.socket.writeQueueFull()) {
            if (!c.drainArmed) {
                c.drainArmed = true;
                c.socket.drainHandler(v -> {
                    c.drainArmed = false;
                    serve(c);
                });
            }
            return false;
        }
        return true;
    }

    /** Sends the block at the head of {@code c}'s queue, from the read cache or after a disk read. */
    private void sendNext(PeerConnection c) {
        Message.Request r = c.uploadQueue.poll();
        byte[] cached = readCache.get(r.index());
        if (cached != null) {
            sendBlock(c, r, cached, r.begin());
            return;
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

    /** Peers with blocks to send under an upload limit, served one block each in turn. */
    private final java.util.ArrayDeque<PeerConnection> uploadWaiters = new java.util.ArrayDeque<>();
    private boolean uploadPacerArmed;

    /**
     * Under an upload limit, peers take tokens in turn (round robin), one block each, so that no
     * peer takes most of a rate-limited seeder. When the tokens run out, one timer for the whole
     * torrent (not one per peer) resumes the round: with a dozen peers waiting, per-peer timers
     * woke the event loop a thousand times a second to find it was someone else's turn. A peer
     * that cannot send (choked, nothing queued, socket full, reads in flight) leaves the round;
     * {@link #serve} puts it back when it can.
     */
    private void pumpUploads() {
        PeerConnection c;
        while ((c = nextUploader()) != null) {
            long wait = uploadLimiter.acquire(c.uploadQueue.peek().length());
            if (wait > 0) {
                armUploadPacer(wait);
                return;
            }
            uploadWaiters.remove(c);
            sendNext(c);
            uploadWaiters.addLast(c); // its next block waits for the others' turns
        }
    }

    /**
     * Whose block goes out next under an upload limit: in turn order, the first whose next block
     * belongs to the scarcest piece (see {@link #scarcity}). A seeder's first copy of each piece is
     * the one upload a swarm cannot do without, and a piece few peers have is the one that holds the
     * swarm back, so those go first; requests for common pieces wait, and are often cancelled when
     * the leecher gets them elsewhere. Peers that cannot send leave the round.
     */
    private PeerConnection nextUploader() {
        PeerConnection best = null;
        int scarcest = Integer.MAX_VALUE;
        for (var it = uploadWaiters.iterator(); it.hasNext(); ) {
            PeerConnection c = it.next();
            if (!canSend(c)) {
                it.remove();
                c.waitingToUpload = false;
                continue;
            }
            preferScarcePieces(c);
            int rank = scarcity(c, c.uploadQueue.peek().index());
            if (rank < scarcest) {
                best = c;
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
     * already being sent to {@code c} ranks 0: finishing it lets {@code c} share it. Otherwise a
     * seeder counts the other peers it sent the piece to; a leecher counts the connected peers that
     * have it (its availability).
     */
    private int scarcity(PeerConnection c, int piece) {
        if (c.piecesServed.get(piece)) {
            return 0;
        }
        if (state.complete()) {
            return piecesSentTo == null ? 0 : piecesSentTo[piece];
        }
        return picker.availability(piece);
    }

    private void armUploadPacer(long waitMillis) {
        if (uploadPacerArmed || stopped) {
            return;
        }
        uploadPacerArmed = true;
        // Waking a little later than the first token is due lets one wake-up send a few blocks;
        // never so late that the bucket's burst cap would throw tokens away.
        vertx.setTimer(Math.max(waitMillis, uploadLimiter.batchMillis(UPLOAD_PACER_MILLIS)), id -> {
            uploadPacerArmed = false;
            if (!stopped) {
                pumpUploads();
            }
        });
    }

    /** The longest the upload pacer waits to batch blocks (a few 16 KiB blocks at a few MB/s). */
    static final long UPLOAD_PACER_MILLIS = 10;

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

    /** Peers each piece was sent to (a seeder's count, for {@link #scarcity}). */
    private int[] piecesSentTo;
    /** Pieces sent to at least one peer. */
    private int piecesOut;

    /**
     * Under an upload limit, the head of {@code c}'s queue becomes its request for the scarcest
     * piece (see {@link #scarcity}), unless the head is a piece already under way to {@code c}.
     * Only the head moves: the order within a piece is kept.
     */
    private void preferScarcePieces(PeerConnection c) {
        Message.Request head = c.uploadQueue.peek();
        if (head == null) {
            return;
        }
        int headRank = scarcity(c, head.index());
        if (headRank == 0) {
            return; // a piece under way, or one nobody has yet: keep going
        }
        Message.Request best = head;
        int bestRank = headRank;
        int scanned = 0;
        for (Message.Request r : c.uploadQueue) {
            if (++scanned > MAX_UPLOAD_QUEUE_SCAN) {
                break;
            }
            int rank = scarcity(c, r.index());
            if (rank < bestRank) {
                best = r;
                bestRank = rank;
                if (rank == 0) {
                    break;
                }
            }
        }
        if (best != head) {
            c.uploadQueue.remove(best);
            c.uploadQueue.addFirst(best);
        }
    }

    /** Requests looked at when choosing what to serve next. */
    static final int MAX_UPLOAD_QUEUE_SCAN = 256;

    private void sendBlock(PeerConnection c, Message.Request r, byte[] data, int offset) {
        if (c.closed || c.amChoking) {
            return;
        }
        if (!c.piecesServed.get(r.index())) {
            c.piecesServed.set(r.index());
            if (piecesSentTo == null) {
                piecesSentTo = new int[info.pieceCount()];
            }
            if (piecesSentTo[r.index()]++ == 0 && ++piecesOut == info.pieceCount() && state.complete()) {
                // How well a seeder spends its upload: 1.0 copies would be perfect.
                state.everyPieceOut();
                LOG.info("{}: every piece is out, after {} bytes uploaded ({} copies)", info.name(),
                        state.uploaded(), String.format(java.util.Locale.ROOT, "%.2f",
                                (double) state.uploaded() / info.totalLength()));
            }
        }
        c.send(MessageEncoder.pieceHeader(r.index(), r.begin(), r.length()).appendBytes(data, offset, r.length()));
        c.bytesUploaded += r.length();
        c.stats.addUploaded(r.length());
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
            extensions.onClosed(c);
            state.peers(-1);
            releaseRequests(c);
            picker.peerGone(c.pieces);
            c.uploadQueue.clear();
            refillOthers(c); // someone else may have the blocks it was sending
            if (!c.amChoking && c.peerInterested) {
                rechoke(c.optimistic); // its slot goes to another peer now, not at the next round
            }
        }
    }

    /**
     * Download rate limit: data already read is counted; when the bucket is in debt the socket stops
     * reading until it is paid, so TCP pushes back on the sender.
     */
    void received(PeerConnection c, int bytes) {
        if (!downloadLimiter.limited() || c.closed) {
            return;
        }
        long wait = downloadLimiter.consume(bytes);
        if (wait > 0 && !c.readPaused) {
            c.readPaused = true;
            c.socket.pause();
            vertx.setTimer(wait, id -> {
                c.readPaused = false;
                if (!c.closed) {
                    c.socket.resume();
                }
            });
        }
    }

    private void tick() {
        long now = System.nanoTime();
        if (started && !stopped) {
            boolean optimisticDue = now - nextOptimisticNanos >= 0;
            if (now - nextChokeNanos >= 0 || optimisticDue) {
                nextChokeNanos = now + options.chokeInterval().toNanos();
                if (optimisticDue) {
                    nextOptimisticNanos = now + options.optimisticInterval().toNanos();
                }
                rechoke(optimisticDue);
            }
            checkSnubs(now);
            sampleRates(now);
            useIdleUpload(now);
            if (resumeDirty && !resumeSaving && now - nextResumeSaveNanos >= 0) {
                saveResume(now);
            }
        }
        int connectionsNow = connections.size() + handshaking.size();
        for (Redial known : knownPeers.values()) {
            boolean connected = known.connection != null && !known.connection.closed;
            if (connectionsNow >= options.targetConnections()) {
                break; // enough peers: the others are dialled when some of these go
            }
            if (!connected && !stopped && now - known.nextNanos >= 0) {
                connectionsNow++;
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

    /** A peer that unchoked us, holds our requests and sends nothing for the snub timeout loses them. */
    private void checkSnubs(long now) {
        long snub = options.snubTimeout().toNanos();
        for (PeerConnection c : new ArrayList<>(connections)) {
            if (!c.snubbed && !c.peerChoking && !c.outstanding.isEmpty() && now - c.lastBlockNanos > snub) {
                c.snubbed = true;
                state.snubbed();
                LOG.info("{}: {} sent no block for {} ms: its requests go to others", info.name(), c,
                        options.snubTimeout().toMillis());
                releaseRequests(c);
                refillOthers(c);
                fillRequests(c); // one request, so that it can prove itself again
            }
        }
    }

    /** Per-peer download rate, smoothed over the ticks: it sizes each peer's request pipeline. */
    private void sampleRates(long now) {
        for (PeerConnection c : connections) {
            double seconds = (now - c.rateSampleNanos) / 1e9;
            if (seconds < 0.2) {
                continue;
            }
            double sample = (c.bytesDownloaded - c.rateSampleBytes) / seconds;
            c.downloadRate = c.downloadRate == 0 ? sample : 0.5 * c.downloadRate + 0.5 * sample;
            c.rateSampleBytes = c.bytesDownloaded;
            c.rateSampleNanos = now;
        }
    }

    /** Saves resume data on a worker, at most once per interval, only if pieces were verified since. */
    private void saveResume(long now) {
        resumeDirty = false;
        resumeSaving = true;
        nextResumeSaveNanos = now + options.resumeSaveInterval().toNanos();
        java.util.BitSet verified = state.bitfield();
        workers.executeBlocking(() -> {
            store.saveResume(verified);
            return null;
        }, false).onComplete(ar -> {
            resumeSaving = false;
            if (ar.failed()) {
                LOG.warn("{}: saving resume data failed: {}", info.name(), ar.cause().getMessage());
            }
        });
    }
}
