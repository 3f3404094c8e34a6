package org.enjambre.dht;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.enjambre.dht.KrpcMessage.AnnouncePeer;
import org.enjambre.dht.KrpcMessage.FindNode;
import org.enjambre.dht.KrpcMessage.GetPeers;
import org.enjambre.dht.KrpcMessage.Method;
import org.enjambre.dht.KrpcMessage.Ping;
import org.enjambre.dht.KrpcMessage.Query;
import org.enjambre.dht.KrpcMessage.Response;
import org.enjambre.net.PeerAddress;
import org.enjambre.net.UdpEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Mainline DHT node (BEP 5): the façade the rest of Enjambre uses. It answers queries
 * ({@link KrpcResponder}), keeps a {@link RoutingTable}, runs iterative {@link Lookup}s, announces,
 * refreshes stale buckets and pings questionable nodes. All its state lives on one Vert.x context;
 * the public methods may be called from any thread and hop there. Datagrams come in through
 * {@link #receive} and go out through a {@link KrpcSocket}; a packet that is not KRPC is counted and
 * dropped, and nothing a packet holds can throw out of {@link #receive}.
 */
public final class DhtNode {
    private static final Logger LOG = LoggerFactory.getLogger(DhtNode.class);
    /**
     * After this long unanswered a lookup's query stops holding its slot and the lookup's end
     * (libtorrent's short timeout); the query itself waits for the whole {@link Config#queryTimeout}.
     */
    static final long SHORT_TIMEOUT_MILLIS = 1000;
    private static final Consumer<List<PeerAddress>> NO_PEERS = peers -> { };

    /**
     * @param id          our node id (kept across runs)
     * @param known       nodes from the last run, tried first
     * @param queryTimeout how long an unanswered query waits
     * @param alpha       queries in flight per lookup
     * @param maintenance how often buckets are refreshed, questionable nodes pinged, the store expired
     */
    public record Config(NodeId id, List<NodeInfo> known, Duration queryTimeout, int alpha, Duration maintenance) {
        public Config {
            known = List.copyOf(known);
        }

        public static Config defaults(NodeId id, List<NodeInfo> known) {
            return new Config(id, known, Duration.ofSeconds(4), 3, Duration.ofSeconds(30));
        }

        public Config withQueryTimeout(Duration timeout) {
            return new Config(id, known, timeout, alpha, maintenance);
        }
    }

    /**
     * What a lookup found.
     *
     * @param peers       peers from {@code values}
     * @param closest     the nearest nodes that answered
     * @param queries     queries it sent (round trips)
     * @param millis      how long it took
     * @param announcedTo nodes that stored our announce (0 for a plain lookup)
     */
    public record LookupResult(List<PeerAddress> peers, List<NodeInfo> closest, int queries, long millis, int announcedTo) {
    }

    private sealed interface Outcome {
    }

    private record Answered(Response response) implements Outcome {
    }

    private record Failed(String reason) implements Outcome {
    }

    private record Waiter(NodeId expected, Consumer<Outcome> then) {
    }

    private final Vertx vertx;
    private final Context context;
    private final Config config;
    private final KrpcSocket socket;
    private final LongSupplier clock = () -> System.nanoTime() / 1_000_000L;
    private final RoutingTable table;
    private final DhtPeerStorage storage;
    private final KrpcResponder responder;
    private final QueryRateLimiter limiter;
    private final Transactions<Waiter> transactions = new Transactions<>();
    private final List<Long> timers = new ArrayList<>();
    private final AtomicLong lookups = new AtomicLong();
    private final AtomicLong lookupQueries = new AtomicLong();
    private final AtomicLong queriesReceived = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong rateLimited = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong nodesRefused = new AtomicLong();
    private int lookupsInFlight;
    private volatile DhtStats stats = DhtStats.EMPTY;
    private volatile PeerAddress externalAddress;
    private boolean closed;

    /**
     * A node on a context of its own; call {@link #start} before use.
     *
     * @param storage where announced peers go ({@link PeerStore}, or a tracker node's registry view)
     */
    public DhtNode(Vertx vertx, Config config, KrpcSocket socket, DhtPeerStorage storage) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.config = config;
        this.socket = socket;
        this.storage = storage;
        this.table = new RoutingTable(config.id(), clock);
        this.limiter = QueryRateLimiter.defaults(clock);
        this.responder = new KrpcResponder(config.id(), table, new TokenSecrets(clock), storage);
    }

    /** A node with its own bounded peer store. */
    public DhtNode(Vertx vertx, Config config, KrpcSocket socket) {
        this(vertx, config, socket, new PeerStore(PeerStore.Limits.defaults(), () -> System.nanoTime() / 1_000_000L));
    }

    /**
     * A started node on the node's shared UDP endpoint: the endpoint's KRPC side comes here, and the
     * node answers and queries through it.
     */
    public static Future<DhtNode> open(Vertx vertx, Config config, UdpEndpoint endpoint, DhtPeerStorage storage) {
        DhtNode node = new DhtNode(vertx, config, (to, packet) -> endpoint.send(Buffer.buffer(packet),
                SocketAddress.inetSocketAddress(to.port(), to.host())), storage);
        endpoint.onKrpc((datagram, sender) -> {
            if (sender.port() > 0 && sender.hostAddress() != null) {
                node.receive(new PeerAddress(sender.hostAddress(), sender.port()), datagram.getBytes());
            }
        });
        return node.start().map(node);
    }

    /** As {@link #open(Vertx, Config, UdpEndpoint, DhtPeerStorage)} with a bounded store of its own. */
    public static Future<DhtNode> open(Vertx vertx, Config config, UdpEndpoint endpoint) {
        return open(vertx, config, endpoint, new PeerStore(PeerStore.Limits.defaults(), () -> System.nanoTime() / 1_000_000L));
    }

    public NodeId id() {
        return config.id();
    }

    /** Starts the timers and pings the nodes known from the last run (bounded by the query timeout). */
    public Future<Void> start() {
        return onContext(() -> {
            timers.add(vertx.setPeriodic(250, t -> expireQueries()));
            timers.add(vertx.setPeriodic(1000, t -> updateStats()));
            timers.add(vertx.setPeriodic(config.maintenance().toMillis(), t -> maintain()));
            List<Future<Void>> pings = new ArrayList<>();
            for (NodeInfo n : config.known()) {
                Promise<Void> answered = Promise.promise();
                query(n.address(), n.id(), new Ping(), o -> answered.tryComplete());
                pings.add(answered.future());
            }
            // Started once the last run's nodes have answered or timed out: lookups then start from them.
            return Future.join(pings).<Void>mapEmpty().otherwiseEmpty();
        });
    }

    /**
     * Joins the DHT through these addresses (ids unknown): asks each for the nodes near our id, then
     * looks our id up, which fills the table with our neighbours, then looks up a target in each
     * range farther out that the table holds too few nodes of ({@link RoutingTable#sparseRangeTargets}),
     * so the table reaches every part of the id space. Succeeds once those lookups end, even if every bootstrap
     * node was silent (the table is then whatever the last run left).
     */
    public Future<Integer> bootstrap(List<PeerAddress> addresses) {
        return join(addresses, true);
    }

    /**
     * As {@link #bootstrap}, but succeeds once our own id's lookup ended (the table holds our
     * neighbours: lookups work), the farther ranges still being looked up: a node that starts a
     * download waits for what it needs, not for every slow node of the far ranges.
     */
    public Future<Integer> joinNear(List<PeerAddress> addresses) {
        return join(addresses, false);
    }

    private Future<Integer> join(List<PeerAddress> addresses, boolean waitForFarRanges) {
        return onContext(() -> {
            List<Future<Void>> asked = new ArrayList<>();
            for (PeerAddress a : addresses) {
                Promise<Void> p = Promise.promise();
                query(a, null, new FindNode(config.id()), o -> p.tryComplete());
                asked.add(p.future());
            }
            return Future.join(asked).transform(ignored -> lookup(config.id(), false, NO_PEERS))
                    .compose(own -> {
                        Future<?> far = Future.join(table.sparseRangeTargets().stream()
                                .map(t -> lookup(t, false, NO_PEERS)).toList());
                        return waitForFarRanges ? far : Future.succeededFuture();
                    })
                    .map(f -> table.size());
        });
    }

    /** Finds peers for an info-hash (a get_peers lookup). */
    public Future<LookupResult> getPeers(NodeId infoHash) {
        return onContext(() -> lookup(infoHash, true, NO_PEERS).map(f -> f.result(0)));
    }

    /** Finds the nodes nearest a target (a find_node lookup). */
    public Future<LookupResult> findNode(NodeId target) {
        return onContext(() -> lookup(target, false, NO_PEERS).map(f -> f.result(0)));
    }

    /**
     * Announces that we serve {@code infoHash} on TCP {@code port}: a get_peers lookup, then
     * announce_peer to each of the nearest nodes that gave a token. The result's peers are the
     * ones the lookup found on the way.
     */
    public Future<LookupResult> announce(NodeId infoHash, int port) {
        return announce(infoHash, port, NO_PEERS);
    }

    /**
     * As {@link #announce(NodeId, int)}, handing {@code onPeers} each answer's peers as they come
     * (on the node's context), so that they can be dialled while the lookup goes on: a lookup may
     * wait for slow nodes long after the first answer named a seeder.
     */
    public Future<LookupResult> announce(NodeId infoHash, int port, Consumer<List<PeerAddress>> onPeers) {
        return onContext(() -> lookup(infoHash, true, onPeers).compose(finished -> {
            List<Future<Boolean>> acks = new ArrayList<>();
            for (Lookup.Responder r : finished.lookup().closestResponders()) {
                if (r.token() == null) {
                    continue; // that node's store is full, or it is not a peer store at all
                }
                Promise<Boolean> ack = Promise.promise();
                query(r.node().address(), r.node().id(), new AnnouncePeer(infoHash, port, false, r.token()),
                        o -> ack.tryComplete(o instanceof Answered));
                acks.add(ack.future());
            }
            return Future.join(acks).transform(ignored -> Future.succeededFuture(finished.result(
                    (int) acks.stream().filter(f -> f.succeeded() && f.result()).count())));
        }));
    }

    /** Pings an address (a peer's DHT port from a BEP 5 {@code port} message); true when it answered. */
    public Future<Boolean> ping(PeerAddress address) {
        return onContext(() -> {
            Promise<Boolean> p = Promise.promise();
            query(address, null, new Ping(), o -> p.tryComplete(o instanceof Answered));
            return p.future();
        });
    }

    /** Our id and the good nodes of the table, to be saved for the next run. */
    public Future<DhtState> state() {
        return onContext(() -> Future.succeededFuture(new DhtState(config.id(), table.goodNodes())));
    }

    /** The last snapshot of the counters (at most a second old). */
    public DhtStats stats() {
        return stats;
    }

    /** The address other nodes last said they saw our queries come from (BEP 42 {@code ip}), or null. */
    public PeerAddress externalAddress() {
        return externalAddress;
    }

    /** Stops the timers; outstanding queries fail. */
    public Future<Void> close() {
        return onContext(() -> {
            closed = true;
            timers.forEach(vertx::cancelTimer);
            transactions.drain().forEach(p -> p.waiter().then().accept(new Failed("closed")));
            updateStats();
            return Future.succeededFuture();
        });
    }

    /** A datagram for this node from {@code from}; may be called from any thread. */
    public void receive(PeerAddress from, byte[] packet) {
        if (Vertx.currentContext() != context) {
            context.runOnContext(v -> receive(from, packet));
            return;
        }
        if (closed || from.ip().isEmpty()) {
            return;
        }
        try {
            KrpcMessage message = KrpcCodec.decode(packet);
            switch (message) {
                case Query q -> onQuery(q, from);
                case Response r -> onResponse(r, from);
                case KrpcMessage.Error e -> onError(e, from);
            }
        } catch (KrpcException e) {
            malformed.incrementAndGet();
            byte[] t = e.answerableTransactionId();
            if (t != null && limiter.allow(from.host())) {
                send(from, new KrpcMessage.Error(t, e.code(), e.getMessage()));
            }
        } catch (RuntimeException e) {
            malformed.incrementAndGet(); // a bug of ours must not stop the socket: count it and say so once
            LOG.warn("DHT packet from {} not handled: {}", from, e.toString());
        }
    }

    private void onQuery(Query q, PeerAddress from) {
        if (!limiter.allow(from.host())) {
            rateLimited.incrementAndGet();
            return;
        }
        queriesReceived.incrementAndGet();
        responder.answer(q, from).onSuccess(answer -> send(from, answer));
        if (q.readOnly() || q.sender().equals(config.id())) {
            return;
        }
        NodeInfo querier = new NodeInfo(q.sender(), from);
        if (table.heardFrom(querier, false) instanceof RoutingTable.Refused && table.hasRoomFor(q.sender())) {
            query(from, q.sender(), new Ping(), o -> { }); // an answer adds it
        }
    }

    private void onResponse(Response r, PeerAddress from) {
        Waiter w = transactions.close(r.transactionId(), from);
        if (w == null) {
            return; // late, unasked, or from another address than the one asked
        }
        if (w.expected() != null && !w.expected().equals(r.sender())) {
            table.failed(w.expected()); // another node answers at that address now
        }
        if (!r.sender().equals(config.id())) {
            if (table.heardFrom(new NodeInfo(r.sender(), from), true) instanceof RoutingTable.Pending pending) {
                pending.toPing().forEach(n -> query(n.address(), n.id(), new Ping(), o -> { }));
            }
        }
        if (r.requester() != null) {
            externalAddress = r.requester();
        }
        w.then().accept(new Answered(r));
    }

    private void onError(KrpcMessage.Error e, PeerAddress from) {
        Waiter w = transactions.close(e.transactionId(), from);
        if (w != null) {
            w.then().accept(new Failed("error " + e.code() + ": " + e.message()));
        }
    }

    private void query(PeerAddress to, NodeId expected, Method method, Consumer<Outcome> then) {
        if (closed) {
            then.accept(new Failed("closed"));
            return;
        }
        byte[] t = transactions.open(to, clock.getAsLong() + config.queryTimeout().toMillis(), new Waiter(expected, then));
        if (t == null) {
            then.accept(new Failed("too many queries outstanding"));
            return;
        }
        send(to, new Query(t, config.id(), method));
    }

    private void send(PeerAddress to, KrpcMessage message) {
        socket.send(to, KrpcCodec.encode(message));
    }

    private void expireQueries() {
        for (Transactions.Pending<Waiter> p : transactions.expire(clock.getAsLong())) {
            timeouts.incrementAndGet();
            if (p.waiter().expected() != null) {
                table.failed(p.waiter().expected());
            }
            p.waiter().then().accept(new Failed("timeout"));
        }
    }

    /** A lookup that has ended, and how long it took. */
    private record Finished(Lookup lookup, long millis) {
        LookupResult result(int announcedTo) {
            return new LookupResult(lookup.peers(), lookup.closestResponders().stream().map(Lookup.Responder::node).toList(),
                    lookup.queries(), millis, announcedTo);
        }
    }

    private Future<Finished> lookup(NodeId target, boolean getPeers, Consumer<List<PeerAddress>> onPeers) {
        long started = clock.getAsLong();
        Lookup lookup = new Lookup(target, table.closest(target, 2 * RoutingTable.K), config.alpha(), RoutingTable.K);
        Promise<Finished> done = Promise.promise();
        boolean[] ended = {false};
        lookupsInFlight++;
        step(lookup, getPeers, onPeers, () -> {
            if (ended[0]) {
                return;
            }
            ended[0] = true;
            lookup.end();
            // Peers announced to us are found too; a failing storage only loses those.
            Future<DhtPeerStorage.Held> own = getPeers ? storage.lookup(target) : Future.succeededFuture(null);
            own.onComplete(held -> {
                if (held.succeeded() && held.result() != null) {
                    lookup.addPeers(held.result().peers());
                }
                if (done.tryComplete(new Finished(lookup, clock.getAsLong() - started))) {
                    lookupsInFlight--;
                    lookups.incrementAndGet();
                    lookupQueries.addAndGet(lookup.queries());
                }
            });
        });
        return done.future();
    }

    private void step(Lookup lookup, boolean getPeers, Consumer<List<PeerAddress>> onPeers, Runnable finished) {
        for (NodeInfo n : lookup.next()) {
            Method m = getPeers ? new GetPeers(lookup.target()) : new FindNode(lookup.target());
            // The short timeout: a silent node (gone since someone named it) holds neither a slot
            // nor the lookup's end for the whole query timeout.
            vertx.setTimer(SHORT_TIMEOUT_MILLIS, t -> context.runOnContext(v -> {
                if (lookup.slow(n)) {
                    step(lookup, getPeers, onPeers, finished);
                }
            }));
            query(n.address(), n.id(), m, outcome -> {
                switch (outcome) {
                    case Answered a -> {
                        Response r = a.response();
                        List<NodeInfo> named = new ArrayList<>(r.nodes().size() + r.nodes6().size());
                        named.addAll(r.nodes());
                        named.addAll(r.nodes6());
                        List<NodeInfo> nearer = LearntNodes.admissible(named, n.address(), config.id());
                        nodesRefused.addAndGet(named.size() - nearer.size());
                        lookup.answered(n, nearer, r.values(), r.token());
                        if (!r.values().isEmpty()) {
                            onPeers.accept(r.values());
                        }
                    }
                    case Failed f -> lookup.failed(n);
                }
                step(lookup, getPeers, onPeers, finished);
            });
        }
        if (lookup.done()) {
            finished.run();
        }
    }

    private void maintain() {
        for (NodeId target : table.refreshTargets()) {
            lookup(target, false, NO_PEERS);
        }
        table.questionableNodes().stream().limit(RoutingTable.K)
                .forEach(n -> query(n.address(), n.id(), new Ping(), o -> { }));
        storage.expire();
    }

    private void updateStats() {
        stats = new DhtStats(table.size(), table.goodNodes().size(), storage.torrents(), storage.peerCount(),
                lookups.get(), lookupQueries.get(), queriesReceived.get(), malformed.get(), rateLimited.get(),
                responder.badTokens.get(), responder.storeRefused.get(), timeouts.get(), lookupsInFlight, nodesRefused.get());
    }

    private <T> Future<T> onContext(Supplier<Future<T>> action) {
        if (Vertx.currentContext() == context) {
            return action.get();
        }
        Promise<T> p = Promise.promise();
        context.runOnContext(v -> action.get().onComplete(p));
        return p.future();
    }
}
