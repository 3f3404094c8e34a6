package org.enjambre.node;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.enjambre.dht.DhtNode;
import org.enjambre.dht.DhtState;
import org.enjambre.dht.NodeId;
import org.enjambre.net.PeerAddress;
import org.enjambre.net.UdpEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's DHT: its one UDP endpoint (shared with the UDP tracker client), the {@link DhtNode} on
 * it, and the state file that keeps the node id and good nodes across runs. Bootstrap nodes are
 * only those the user names ({@code --dht-bootstrap}) and those saved from the last run: nothing
 * built in reaches the internet. A bootstrap address the user names is trusted whatever its scope
 * (loopback and LAN swarms need that).
 */
public final class DhtService {
    private static final Logger LOG = LoggerFactory.getLogger(DhtService.class);
    /** How often the state file is rewritten while the node runs. */
    static final long SAVE_EVERY_MILLIS = 10 * 60_000L;

    /**
     * @param enabled   {@code --dht} (the default) or {@code --no-dht}
     * @param host      the address the UDP socket binds
     * @param port      {@code --dht-port}, 0 for any free port
     * @param bootstrap {@code --dht-bootstrap} addresses
     * @param stateFile where the id and good nodes are kept, or null for nowhere
     */
    public record Settings(boolean enabled, String host, int port, List<PeerAddress> bootstrap, Path stateFile) {
        public Settings {
            bootstrap = List.copyOf(bootstrap);
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("--dht-port must be 0..65535, got " + port);
            }
        }

        public static Settings disabled() {
            return new Settings(false, "0.0.0.0", 0, List.of(), null);
        }

        public Settings withStateFile(Path file) {
            return new Settings(enabled, host, port, bootstrap, file);
        }

        /** These settings with more bootstrap nodes (a tracker's fellow cluster members). */
        public Settings withMoreBootstrap(List<PeerAddress> more) {
            List<PeerAddress> all = new java.util.ArrayList<>(bootstrap);
            more.stream().filter(a -> !all.contains(a)).forEach(all::add);
            return new Settings(enabled, host, port, all, stateFile);
        }
    }

    private final Vertx vertx;
    private final UdpEndpoint endpoint;
    private final DhtNode node;
    private final Path stateFile;
    private final long saveTimer;
    private volatile java.util.function.Supplier<Future<Void>> beforeClose = Future::succeededFuture;

    private DhtService(Vertx vertx, UdpEndpoint endpoint, DhtNode node, Path stateFile) {
        this.vertx = vertx;
        this.endpoint = endpoint;
        this.node = node;
        this.stateFile = stateFile;
        this.saveTimer = stateFile == null ? -1 : vertx.setPeriodic(SAVE_EVERY_MILLIS, t -> save());
    }

    /** Opens the endpoint, restores the saved state, and joins through the saved and named nodes. */
    public static Future<DhtService> start(Vertx vertx, Settings settings) {
        return start(vertx, settings, new org.enjambre.dht.PeerStore(org.enjambre.dht.PeerStore.Limits.defaults(),
                () -> System.nanoTime() / 1_000_000L));
    }

    /**
     * As {@link #start(Vertx, Settings)}, with announced peers kept in {@code storage} (a tracker
     * node's registry) instead of a store of the node's own.
     */
    public static Future<DhtService> start(Vertx vertx, Settings settings, org.enjambre.dht.DhtPeerStorage storage) {
        Future<DhtState> saved = settings.stateFile() == null ? Future.succeededFuture(null)
                : vertx.executeBlocking(() -> load(settings.stateFile()));
        return saved.compose(state -> UdpEndpoint.bind(vertx, settings.host(), settings.port()).compose(endpoint -> {
            NodeId id = state == null ? NodeId.random() : state.id();
            List<org.enjambre.dht.NodeInfo> known = state == null ? List.of() : state.nodes();
            return DhtNode.open(vertx, DhtNode.Config.defaults(id, known), endpoint, storage)
                    .compose(node -> node.joinNear(settings.bootstrap())
                            .map(nodes -> {
                                LOG.info("DHT node {} on UDP {}: {} nodes in the table", id.hex(), endpoint.localPort(), nodes);
                                return new DhtService(vertx, endpoint, node, settings.stateFile());
                            }))
                    .onFailure(e -> endpoint.close());
        }));
    }

    private static DhtState load(Path file) {
        try {
            return Files.exists(file) ? DhtState.decode(Files.readAllBytes(file)) : null;
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("DHT state {} not used ({}): starting with a new id", file, e.getMessage());
            return null;
        }
    }

    public DhtNode node() {
        return node;
    }

    public UdpEndpoint endpoint() {
        return endpoint;
    }

    /** The UDP port other nodes reach us at (what the BEP 5 {@code port} message says). */
    public int port() {
        return endpoint.localPort();
    }

    private Future<Void> save() {
        if (stateFile == null) {
            return Future.succeededFuture();
        }
        return node.state().compose(state -> vertx.executeBlocking(() -> {
            Files.createDirectories(stateFile.toAbsolutePath().getParent());
            Path tmp = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
            Files.write(tmp, state.encode());
            Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return null;
        })).<Void>mapEmpty().onFailure(e -> LOG.warn("DHT state not saved to {}: {}", stateFile, e.getMessage()));
    }

    /** Runs {@code step} first when the service closes (a tracker takes its address out of the cluster). */
    void beforeClose(java.util.function.Supplier<Future<Void>> step) {
        this.beforeClose = step;
    }

    /** Saves the state, then closes the node and the endpoint; never fails. */
    public Future<Void> close() {
        if (saveTimer >= 0) {
            vertx.cancelTimer(saveTimer);
        }
        return beforeClose.get().otherwiseEmpty().transform(ar -> save()).transform(ar -> node.close()).transform(ar -> endpoint.close()).otherwiseEmpty();
    }
}
