package org.enjambre.swarm;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.enjambre.metainfo.InfoHash;
import org.enjambre.net.PeerAddress;
import org.enjambre.net.PeerOrigin;
import org.enjambre.wire.Handshake;
import org.enjambre.wire.Message;
import org.enjambre.wire.WireDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A torrent known only by its info-hash (a magnet link), before its info dictionary has come: dials
 * the candidates of its peer sources and takes incoming peers, handshakes, and lets the extensions
 * (ut_metadata) talk; no piece is asked or served, and what peers say they have is ignored (the
 * connections are redialled by the {@link TorrentEngine} once the metadata is known, and then tell it
 * again). The metadata phase beside the engine, so that the engine itself always knows its torrent.
 *
 * <p>Runs on one Vert.x context: public methods may be called from any thread and hop onto it.
 */
public final class MetadataSwarm implements ConnectionEvents, IncomingConnections.Adopter {
    private static final Logger LOG = LoggerFactory.getLogger(MetadataSwarm.class);

    private final Vertx vertx;
    private final Context context;
    private final InfoHash infoHash;
    private final String name;
    private final byte[] peerId;
    private final EngineOptions options;
    private final EngineClock clock;
    private final PeerConnector connector;
    private final PeerList peerList;
    /** Every candidate a source gave, with its origin: handed to the engine after the metadata. */
    private final Map<PeerAddress, PeerOrigin> candidates = new LinkedHashMap<>();
    private PeerExtensions extensions = PeerExtensions.NONE;
    private volatile int peers;
    private long timer = -1;
    private boolean stopped;

    /** @param name what the log calls it: the magnet's {@code dn}, or the info-hash */
    public MetadataSwarm(Vertx vertx, Context context, InfoHash infoHash, String name, byte[] peerId,
                         NetClient client, EngineOptions options) {
        this.vertx = vertx;
        this.context = context;
        this.infoHash = infoHash;
        this.name = name;
        this.peerId = peerId.clone();
        this.options = options;
        this.clock = EngineClock.of(vertx);
        // No piece count (the metadata is what it fetches) and no download limit (metadata is small).
        this.connector = new PeerConnector(name, this, client, infoHash, peerId, 0, clock, new RateLimiter(0, null),
                options.handshakeTimeout());
        this.peerList = new PeerList(name, options, clock, connector::dial);
    }

    public InfoHash infoHash() {
        return infoHash;
    }

    /** Peers connected now (handshake accepted). */
    public int peers() {
        return peers;
    }

    /** The extensions (BEP 10) of its connections, ut_metadata among them; set before peers connect. */
    public Future<Void> extensions(PeerExtensions hook) {
        return onContext(() -> {
            extensions = hook == null ? PeerExtensions.NONE : hook;
            return null;
        });
    }

    /** Starts dialling the candidates. */
    public Future<Void> start() {
        return onContext(() -> {
            timer = vertx.setPeriodic(TorrentEngine.TICK_MILLIS, id -> tick());
            return null;
        });
    }

    /** Closes every connection; the result is every candidate it was given, for the engine. */
    public Future<Map<PeerAddress, PeerOrigin>> stop() {
        return onContext(() -> {
            stopped = true;
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
            for (PeerLink link : peerList.stop()) {
                link.close(null);
            }
            return new LinkedHashMap<>(candidates);
        });
    }

    /** A candidate from a peer source; dialled while there are fewer connections than the target. */
    public void addPeer(PeerAddress address, PeerOrigin origin) {
        onContext(() -> {
            if (peerList.add(address, origin) && !stopped) {
                candidates.putIfAbsent(address, origin);
                peerList.redial(clock.nanoTime());
            }
            return null;
        });
    }

    @Override
    public void adopt(NetSocket socket, WireDecoder decoder, Handshake theirs) {
        onContext(() -> {
            connector.adopt(socket, decoder, theirs, peerList);
            return null;
        });
    }

    @Override
    public void onHandshake(PeerConnection c, Handshake theirs) {
        if (!Arrays.equals(theirs.infoHash(), infoHash.bytes()) || Arrays.equals(theirs.peerId(), peerId) || stopped) {
            c.close(null);
            return;
        }
        for (PeerLink other : peerList.connected()) {
            if (Arrays.equals(other.state().peerId, theirs.peerId())) {
                c.close(null); // already connected to that peer
                return;
            }
        }
        if (!theirs.supportsExtensions()) {
            c.close("no extension protocol (BEP 10): it cannot give us the metadata");
            return;
        }
        c.state().peerId = theirs.peerId();
        boolean fast = FastExtension.negotiated(theirs);
        // With BEP 6 on, a libtorrent seed says have all before we know the torrent: the decoder must take it.
        c.decoder.beforeMetadata(true, fast);
        c.registered = true;
        peerList.register(c);
        peers++;
        LOG.debug("{}: connected {} for metadata", name, c);
        extensions.onHandshake(c, theirs);
        if (fast) {
            // BEP 6: exactly one of bitfield, have all, have none follows the handshake; we have nothing yet.
            c.send(Message.HaveNone.INSTANCE);
        }
    }

    @Override
    public void onMessage(PeerConnection c, Message message) {
        switch (message) {
            case Message.Extended extended -> extensions.onExtended(c, extended);
            default -> {
                // bitfield, have, choke, interest: the engine hears them again once it knows the torrent
            }
        }
    }

    @Override
    public void closed(PeerConnection c, String reason) {
        if (reason != null) {
            LOG.info("{}: closing {}: {}", name, c, reason);
        }
        if (peerList.closed(c) && c.registered) {
            peers--;
            extensions.onClosed(c);
        }
    }

    private void tick() {
        long now = clock.nanoTime();
        peerList.redial(now);
        for (PeerLink link : new ArrayList<>(peerList.connected())) {
            ((PeerConnection) link).checkLiveness(now, options.keepAliveInterval(), options.idleTimeout());
        }
    }

    private <T> Future<T> onContext(Callable<T> action) {
        return OnContext.run(context, action);
    }

    /** Candidates known so far (for tests). */
    List<PeerAddress> known() {
        return List.copyOf(candidates.keySet());
    }
}
