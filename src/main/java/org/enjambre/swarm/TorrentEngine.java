package org.enjambre.swarm;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import org.enjambre.metainfo.Info;
import org.enjambre.metainfo.InfoHash;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.net.PeerAddress;
import org.enjambre.net.PeerOrigin;
import org.enjambre.swarm.PieceReceiver.PieceEvent;
import org.enjambre.wire.Handshake;
import org.enjambre.wire.Message;
import org.enjambre.wire.WireDecoder;
import org.enjambre.wire.WireLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One torrent's coordinator: wires the rooms of the engine and routes each connection's events to
 * them. {@link PeerList} says whom to dial and admit, {@link PeerConnector} opens those
 * connections; {@link RequestScheduler} asks peers for blocks;
 * {@link PieceReceiver} stores and verifies what arrives, telling {@link SmartBan} and this class;
 * {@link ChokeController} decides whom we upload to; {@link UploadScheduler} serves them; {@link
 * Interest} says whether we want something from each peer; {@link ResumeSaver} writes down the
 * verified pieces. Here stay the handshake checks, the {@code have}s of verified pieces and the
 * timer that drives the rest.
 *
 * <p>Runs on one Vert.x context: public methods may be called from any thread and hop onto it.
 * {@link #state()} is the torrent's single source of truth for progress and counters.
 */
public final class TorrentEngine implements ConnectionEvents, IncomingConnections.Adopter {
    private static final Logger LOG = LoggerFactory.getLogger(TorrentEngine.class);
    /** How often the engine checks keep-alives and idle peers. */
    static final long TICK_MILLIS = 500;
    /**
     * The longest a HAVE waits to be pushed on its own: short against the time a piece takes to
     * fetch, long enough for the pieces verified meanwhile to share the write.
     */
    static final long HAVE_FLUSH_MILLIS = 20;

    private final Vertx vertx;
    private final Context context;
    private final Metainfo metainfo;
    private final Info info;
    private final InfoHash infoHash;
    private final byte[] peerId;
    private final PieceStore store;
    private final Workers workers;
    private final EngineOptions options;
    private final EngineClock clock;
    private final TorrentState state;
    private final PiecePicker picker;
    private final PeerConnector connector;
    private final PeerList peerList;
    private final Interest interest;
    private final RequestScheduler requests;
    private final PieceReceiver receiver;
    private final ChokeController choker;
    private final UploadScheduler uploads;
    private final FastExtension fast;
    private final ResumeSaver resume;
    private PeerExtensions extensions = PeerExtensions.NONE;
    private final Promise<Void> completion = Promise.promise();
    private long timer = -1;
    private boolean started;
    private boolean stopped;
    /** A flush of the queued HAVEs is due (see {@link #flushHavesSoon}). */
    private boolean haveFlushArmed;

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
        this.workers = Workers.of(workers);
        this.options = options;
        this.clock = EngineClock.of(vertx);
        this.state = new TorrentState(info.pieceCount(), info.pieceLength(), info.totalLength());
        this.picker = new PiecePicker(info.pieceCount(), info.pieceLength(), info.totalLength(),
                WireLimits.BLOCK_LENGTH, state, new Random());
        RateLimiter uploadLimiter = new RateLimiter(options.uploadRate(), nodeUpload);
        this.interest = new Interest(state, picker);
        this.connector = new PeerConnector(info.name(), this, client, infoHash, peerId, info.pieceCount(), clock,
                new RateLimiter(options.downloadRate(), nodeDownload), options.handshakeTimeout());
        this.peerList = new PeerList(info.name(), options, clock, connector::dial);
        this.requests = new RequestScheduler(info.name(), picker, state, options, clock);
        this.uploads = new UploadScheduler(info, state, picker, store, this.workers, uploadLimiter, clock, options);
        this.choker = new ChokeController(options.choking(), state, uploadLimiter, clock, new Random(),
                requests::snubbed, uploads::serve, uploads::choked);
        this.receiver = new PieceReceiver(info, picker, state, store, this.workers,
                new PieceBuffers(PieceReceiver.MAX_BUFFERED_BYTES, PieceReceiver.MAX_BUFFERED_PIECE));
        this.fast = new FastExtension(infoHash.bytes(), state, interest, requests);
        this.resume = new ResumeSaver(info.name(), store, this.workers, state, options.resumeSaveInterval());
        receiver.listen(new SmartBan(this::banned)); // first: a ban is settled before the have goes out
        receiver.listen(this::onPieceEvent);
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
     * each accepted handshake, every extended message and each departure.
     */
    public Future<Void> extensions(PeerExtensions hook) {
        return onContext(() -> {
            extensions = hook == null ? PeerExtensions.NONE : hook;
            return null;
        });
    }

    /** Checks the existing data on a worker, then starts the timers. Fails if the data cannot be read. */
    public Future<Void> start() {
        return workers.submit(store::recheck).compose(found -> onContext(() -> {
            state.resetTo(found);
            started = true;
            requests.start();
            LOG.info("{}: {} of {} pieces present", info.name(), found.cardinality(), info.pieceCount());
            if (state.complete()) {
                completion.tryComplete();
            }
            long now = clock.nanoTime();
            choker.start(now);
            resume.start(now);
            timer = vertx.setPeriodic(TICK_MILLIS, id -> tick());
            return null;
        }));
    }

    /** Closes every connection and the store. */
    public Future<Void> stop() {
        return onContext(() -> {
            stopped = true;
            requests.stop();
            receiver.stop();
            uploads.stop();
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
            for (PeerLink link : peerList.stop()) {
                link.close(null);
            }
            completion.tryFail("engine stopped");
            return started ? state.bitfield() : null;
        }).compose(verified -> workers.submit(() -> {
            if (verified != null) {
                resume.saveAtStop(verified);
            }
            store.close();
            return null;
        }));
    }

    /**
     * A candidate from a peer source (tracker, {@code --peer}, PEX, DHT): remembered in the peer
     * list, dialled while the torrent has fewer connections than its target, redialled with a
     * backoff while it is not connected.
     */
    public void addPeer(PeerAddress address, PeerOrigin origin) {
        onContext(() -> {
            if (peerList.add(address, origin) && !stopped) {
                peerList.redial(clock.nanoTime(), state.complete());
            }
            return null;
        });
    }

    /**
     * Dials a peer now, and remembers it (see {@link #addPeer}). The future fails if this TCP
     * connection cannot be made.
     */
    public Future<Void> connect(String host, int port) {
        PeerAddress address;
        try {
            address = new PeerAddress(host, port);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        // The dial must run on the engine's context (the socket then lives there too): chaining it with
        // compose() would run it on the caller's thread whenever the hop finished first.
        Promise<Void> dialled = Promise.promise();
        onContext(() -> {
            peerList.dialNow(address, PeerOrigin.MANUAL).onComplete(dialled);
            return null;
        });
        return dialled.future();
    }

    /**
     * Takes over an incoming connection whose handshake named this torrent; the decoder may hold
     * bytes that followed the handshake.
     */
    @Override
    public void adopt(NetSocket socket, WireDecoder decoder, Handshake theirs) {
        onContext(() -> {
            connector.adopt(socket, decoder, theirs, peerList);
            return null;
        });
    }

    /** A snapshot of the connected peers, for the CLI and the dashboard. */
    public Future<List<PeerSnapshot>> peers() {
        return onContext(() -> {
            List<PeerSnapshot> out = new ArrayList<>();
            for (PeerLink c : peerList.connected()) {
                PeerState s = c.state();
                out.add(new PeerSnapshot(c.address(), s.peerId(), c.incoming(), s.amChoking, s.amInterested,
                        s.peerChoking, s.peerInterested, s.pieces.cardinality(), s.bytesDownloaded, s.bytesUploaded,
                        requests.outstanding(c)));
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
    public Future<Map<String, BitSet>> peerPieces() {
        return onContext(() -> {
            Map<String, BitSet> out = new LinkedHashMap<>();
            for (PeerLink c : peerList.connected()) {
                out.put(c.address(), (BitSet) c.state().pieces.clone());
            }
            return out;
        });
    }

    private <T> Future<T> onContext(Callable<T> action) {
        return OnContext.run(context, action);
    }

    // ---- events from connections ----

    @Override
    public void onHandshake(PeerConnection c, Handshake theirs) {
        if (!Arrays.equals(theirs.infoHash(), infoHash.bytes())) {
            c.close("handshake for another torrent " + InfoHash.of(theirs.infoHash()).hex());
            return;
        }
        if (Arrays.equals(theirs.peerId(), peerId)) {
            c.close(null); // we dialled ourselves
            return;
        }
        for (PeerLink other : peerList.connected()) {
            if (Arrays.equals(other.state().peerId, theirs.peerId())) {
                peerList.sameAs(c, other);
                c.close(null); // already connected to that peer
                return;
            }
        }
        if (stopped) {
            c.close(null);
            return;
        }
        String idHex = InfoHash.of(theirs.peerId()).hex();
        if (peerList.banned(idHex)) {
            c.close("banned for this session (sent data that failed SHA-1)");
            return;
        }
        PeerState peer = c.state();
        peer.peerId = theirs.peerId();
        peer.stats = state.peerStatsFor(idHex, c.address());
        c.decoder.limits(WireLimits.of(info.pieceCount(), info.pieceLength(), info.totalLength(),
                theirs.supportsExtensions(), FastExtension.negotiated(theirs)));
        c.registered = true;
        peerList.register(c);
        requests.add(c);
        choker.add(c);
        uploads.add(c);
        state.peers(1);
        LOG.debug("{}: connected {} ({})", info.name(), c, c.incoming() ? "incoming" : "outgoing");
        // BEP 10: the extended handshake goes right after ours, before the bitfield (as Transmission
        // sends it): some clients wait for it before they say interested.
        extensions.onHandshake(c, theirs);
        fast.greet(c, theirs);
    }

    @Override
    public void onMessage(PeerConnection c, Message m) {
        PeerState peer = c.state();
        switch (m) {
            case Message.Piece piece -> onPiece(c, piece);
            case Message.Request request -> uploads.onRequest(c, request);
            case Message.Have(int index) -> {
                interest.have(c, index);
                requests.onHave(c, index);
            }
            case Message.Bitfield bitfield -> interest.bitfield(c, bitfield.bits());
            case Message.Unchoke _ -> {
                peer.peerChoking = false;
                requests.onUnchoke(c);
            }
            case Message.Choke _ -> {
                peer.peerChoking = true;
                requests.onChoke(c);
            }
            case Message.Interested _, Message.NotInterested _ -> {
                peer.peerInterested = m instanceof Message.Interested;
                choker.interestChanged(c);
            }
            case Message.Cancel cancel -> uploads.onCancel(c, cancel);
            case Message.Extended extended -> {
                extensions.onExtended(c, extended);
                if (extended.extendedId() == 0) {
                    extensions.requestQueueLimit(c).ifPresent(reqq -> requests.limitDepth(c, reqq));
                    if (c.incoming()) {
                        extensions.listenPort(c).ifPresent(port -> peerList.listensAt(c, port));
                    }
                }
            }
            case Message.SuggestPiece _, Message.HaveAll _, Message.HaveNone _, Message.RejectRequest _,
                 Message.AllowedFast _ -> fast.onMessage(c, m);
            case Message.Port port -> extensions.onPort(c, port);
            case Message.KeepAlive _ -> {
                // nothing to do: reading it already refreshed the idle clock
            }
        }
    }

    private void onPiece(PeerConnection c, Message.Piece piece) {
        if (!requests.accept(c, piece)) {
            return;
        }
        requests.writing(c, receiver.receive(c.state().stats, piece));
        if (c.reading()) {
            requests.fillAfterRead(c); // one request batch for all the blocks of this read
        } else {
            requests.fill(c);
        }
    }

    @Override
    public void onReadDone(PeerConnection c) {
        requests.readDone(c);
    }

    private void onPieceEvent(PieceEvent event) {
        switch (event) {
            case PieceEvent.Verified(int piece, var _) -> onVerified(piece);
            case PieceEvent.Failed _ -> requests.fillAll();
            case PieceEvent.StoreFailed(int _, Throwable cause) -> completion.tryFail(cause);
            case PieceEvent.BlockReceived _ -> {
            }
        }
    }

    private void onVerified(int piece) {
        resume.pieceVerified();
        if (!state.markVerified(piece)) {
            return;
        }
        state.pieceVerified();
        // Every peer is told, even one that has the piece already (libtorrent's send_redundant_have
        // default): a seeder learns its leechers' progress that way, for its choker and the dashboard.
        Message.Have have = new Message.Have(piece);
        for (PeerLink c : new ArrayList<>(peerList.connected())) {
            c.queue(have);
            fast.pieceVerified(c, piece);
            interest.weHave(c, piece);
        }
        flushHavesSoon();
        extensions.onPieceVerified(piece);
        if (state.complete()) {
            LOG.info("{}: download complete, {} pieces verified", info.name(), info.pieceCount());
            completion.tryComplete();
            resume.completed(clock.nanoTime());
        }
    }

    /**
     * Pushes the queued HAVEs within {@link #HAVE_FLUSH_MILLIS}: most leave earlier, with the
     * requests or blocks that go to the same peer anyway.
     */
    private void flushHavesSoon() {
        if (haveFlushArmed) {
            return;
        }
        haveFlushArmed = true;
        clock.schedule(HAVE_FLUSH_MILLIS, () -> {
            haveFlushArmed = false;
            for (PeerLink c : new ArrayList<>(peerList.connected())) {
                c.flush();
            }
        });
    }

    /** Smart ban's verdict: the peer is refused for the session and its connections close. */
    private void banned(PeerStats peer, int failures) {
        state.banned();
        LOG.warn("{}: banning {} for this session: involved in {} piece(s) that failed SHA-1", info.name(),
                peer.address(), failures);
        peerList.ban(peer);
    }

    // ---- lifecycle of connections ----

    @Override
    public void closed(PeerConnection c, String reason) {
        if (reason != null) {
            LOG.info("{}: closing {}: {}", info.name(), c, reason);
        }
        if (c.registered && c.state().pieces.cardinality() == info.pieceCount()) {
            peerList.seedSeen(c); // not dialled again while we seed too
        }
        if (peerList.closed(c) && c.registered) {
            state.peers(-1);
            requests.remove(c);
            picker.peerGone(c.state().pieces);
            uploads.remove(c);
            requests.refillOthers(c); // someone else may have the blocks it was sending
            choker.remove(c); // its slot goes to another peer now, not at the next round
            extensions.onClosed(c);
        }
    }

    private void tick() {
        long now = clock.nanoTime();
        if (started && !stopped) {
            choker.tick(now);
            requests.checkSnubs(now);
            requests.sampleRates(now);
            choker.useIdleUpload(now);
            resume.tick(now);
        }
        peerList.redial(now, state.complete());
        requests.checkTimeouts(now);
        extensions.onTick(now);
        for (PeerLink link : new ArrayList<>(peerList.connected())) {
            ((PeerConnection) link).checkLiveness(now, options.keepAliveInterval(), options.idleTimeout());
        }
    }
}
