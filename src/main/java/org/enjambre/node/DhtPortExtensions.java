package org.enjambre.node;

import io.vertx.core.Context;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.OptionalInt;
import java.util.Set;
import org.enjambre.dht.DhtNode;
import org.enjambre.net.PeerAddress;
import org.enjambre.swarm.PeerExtensions;
import org.enjambre.swarm.PeerLink;
import org.enjambre.wire.Handshake;
import org.enjambre.wire.Message;
import org.enjambre.wire.ReservedBit;

/**
 * The BEP 5 {@code port} message around a torrent's other extensions: to a peer whose handshake
 * sets the DHT bit we say where our DHT node listens (after the bitfield the engine sends), and the
 * first {@code port} a peer sends gets its DHT node pinged (an answer adds it to our table). Later
 * {@code port} messages on the same connection are ignored, so a peer cannot make us ping at will.
 */
final class DhtPortExtensions implements PeerExtensions {
    private final PeerExtensions inner;
    private final Context context;
    private final DhtNode dht;
    private final int dhtPort;
    private final Set<PeerLink> pinged = Collections.newSetFromMap(new IdentityHashMap<>());

    DhtPortExtensions(PeerExtensions inner, Context context, DhtNode dht, int dhtPort) {
        this.inner = inner;
        this.context = context;
        this.dht = dht;
        this.dhtPort = dhtPort;
    }

    @Override
    public void onHandshake(PeerLink link, Handshake theirs) {
        inner.onHandshake(link, theirs);
        if (theirs.has(ReservedBit.DHT) && dhtPort > 0) {
            // Next turn of the loop: the engine sends its bitfield right after this hook, and BEP 3 wants it first.
            context.runOnContext(v -> {
                if (!link.closed()) {
                    link.send(new Message.Port(dhtPort));
                }
            });
        }
    }

    @Override
    public void onExtended(PeerLink link, Message.Extended message) {
        inner.onExtended(link, message);
    }

    @Override
    public OptionalInt requestQueueLimit(PeerLink link) {
        return inner.requestQueueLimit(link);
    }

    @Override
    public OptionalInt listenPort(PeerLink link) {
        return inner.listenPort(link);
    }

    @Override
    public void onClosed(PeerLink link) {
        pinged.remove(link);
        inner.onClosed(link);
    }

    @Override
    public void onTick(long nowNanos) {
        inner.onTick(nowNanos);
    }

    @Override
    public void onPieceVerified(int index) {
        inner.onPieceVerified(index);
    }

    @Override
    public void onPort(PeerLink link, Message.Port port) {
        PeerAddress remote = link.remote();
        if (port.port() < 1 || port.port() > 65535 || remote == null || remote.ip().isEmpty() || !pinged.add(link)) {
            return;
        }
        dht.ping(new PeerAddress(remote.host(), port.port()));
    }
}
