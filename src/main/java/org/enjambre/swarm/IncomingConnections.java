package org.enjambre.swarm;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.util.function.Function;
import org.enjambre.metainfo.InfoHash;
import org.enjambre.net.ConnectionSlots;
import org.enjambre.wire.Handshake;
import org.enjambre.wire.WireDecoder;
import org.enjambre.wire.WireException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer port's door: takes a slot for every accepted socket (refused at once past the
 * half-open or per-address cap of {@link PeerPortLimits}), reads the handshake within the
 * handshake timeout and hands the socket to the engine of the torrent it names; a handshake for a
 * torrent we don't have, a non-BitTorrent greeting or silence closes the connection (one log line).
 * The slot is held until the socket closes, also after the engine took it over.
 */
public final class IncomingConnections {
    private static final Logger LOG = LoggerFactory.getLogger(IncomingConnections.class);

    private final Vertx vertx;
    private final Function<InfoHash, ? extends Adopter> engines;
    private final PeerPortLimits limits;
    private final ConnectionSlots slots;

    /** A torrent that takes over incoming connections whose handshake names it. */
    public interface Adopter {
        /** Takes the socket; the decoder may hold bytes that followed the handshake. */
        void adopt(NetSocket socket, WireDecoder decoder, Handshake theirs);
    }

    public IncomingConnections(Vertx vertx, Function<InfoHash, ? extends Adopter> engines, PeerPortLimits limits) {
        this.vertx = vertx;
        this.engines = engines;
        this.limits = limits;
        this.slots = new ConnectionSlots("peer port", limits.slots());
    }

    /** Slots held and refusals counted (for metrics and tests). */
    public ConnectionSlots slots() {
        return slots;
    }

    /** The NetServer's connect handler. */
    public void accept(NetSocket socket) {
        SocketAddress remote = socket.remoteAddress();
        String ip = remote == null || remote.hostAddress() == null ? "?" : remote.hostAddress();
        ConnectionSlots.Slot slot;
        switch (slots.admit(ip)) {
            case ConnectionSlots.Refused refused -> {
                socket.close();
                return;
            }
            case ConnectionSlots.Admitted admitted -> slot = admitted.slot();
        }
        if (!releaseWhenClosed(socket, slot)) {
            // Without the channel's close future the slot cannot follow the socket into the engine:
            // it covers the handshake only.
            socket.closeHandler(v -> slot.release());
        }
        WireDecoder decoder = WireDecoder.expectingHandshake();
        String address = String.valueOf(remote);
        boolean[] done = {false};
        long timer = vertx.setTimer(limits.handshakeTimeout().toMillis(), id -> {
            if (!done[0]) {
                done[0] = true;
                LOG.info("closing {}: no handshake within {} s", address, limits.handshakeTimeout().toSeconds());
                socket.close();
            }
        });
        socket.handler((Buffer data) -> {
            if (done[0]) {
                return;
            }
            decoder.feed(data);
            try {
                Object item = decoder.next();
                if (item == null) {
                    return;
                }
                done[0] = true;
                vertx.cancelTimer(timer);
                Handshake handshake = (Handshake) item;
                InfoHash infoHash = InfoHash.of(handshake.infoHash());
                Adopter engine = engines.apply(infoHash);
                if (engine == null) {
                    LOG.info("closing {}: handshake for unknown torrent {}", address, infoHash.hex());
                    socket.close();
                    return;
                }
                slot.greeted();
                socket.handler(null);
                engine.adopt(socket, decoder, handshake);
            } catch (WireException e) {
                done[0] = true;
                vertx.cancelTimer(timer);
                LOG.info("closing {}: protocol error: {}", address, e.getMessage());
                socket.close();
            }
        });
    }

    /**
     * Releases the slot when the channel closes, whoever closes it: the engine replaces the
     * socket's close handler when it adopts the socket, the channel's close future stays.
     */
    private static boolean releaseWhenClosed(NetSocket socket, ConnectionSlots.Slot slot) {
        if (socket instanceof NetSocketInternal internal) {
            internal.channelHandlerContext().channel().closeFuture().addListener(f -> slot.release());
            return true;
        }
        return false;
    }
}
