package org.enjambre.ext;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.enjambre.net.PeerAddress;
import org.enjambre.swarm.PeerExtensions;
import org.enjambre.swarm.PeerLink;
import org.enjambre.wire.Handshake;
import org.enjambre.wire.Message;
import org.enjambre.wire.ReservedBit;
import org.enjambre.wire.ext.ExtensionMessageException;

/**
 * Plugs an {@link ExtensionRegistry} into a torrent engine: on each accepted handshake from a peer
 * that set the BEP 10 bit (we always do) it attaches the registry's extensions and sends our
 * extended handshake at once; extended messages go to that connection's extensions; a malformed one
 * closes the connection with the reason. Used on the engine's context only.
 */
public final class ExtensionHook implements PeerExtensions {
    private final ExtensionRegistry registry;
    private final Map<PeerLink, ConnectionExtensions> connections = new IdentityHashMap<>();

    public ExtensionHook(ExtensionRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void onHandshake(PeerLink link, Handshake theirs) {
        if (!theirs.supportsExtensions() || !Handshake.SUPPORTED.contains(ReservedBit.EXTENSION_PROTOCOL)) {
            return; // BEP 10: extended messages only when both handshakes set the bit
        }
        ConnectionExtensions extensions = registry.attach(new LinkPeer(link));
        connections.put(link, extensions);
        extensions.sendHandshake();
    }

    @Override
    public void onExtended(PeerLink link, Message.Extended message) {
        ConnectionExtensions extensions = connections.get(link);
        if (extensions == null) {
            link.close("extended message without the BEP 10 bit in its handshake");
            return;
        }
        try {
            extensions.onExtended(message.extendedId(), message.payload());
        } catch (ExtensionMessageException e) {
            link.close("extension protocol: " + e.getMessage());
        }
    }

    @Override
    public OptionalInt requestQueueLimit(PeerLink link) {
        ConnectionExtensions extensions = connections.get(link);
        return extensions == null ? OptionalInt.empty()
                : extensions.theirHandshake().map(h -> h.reqq()).orElse(OptionalInt.empty());
    }

    @Override
    public OptionalInt listenPort(PeerLink link) {
        ConnectionExtensions extensions = connections.get(link);
        return extensions == null ? OptionalInt.empty()
                : extensions.theirHandshake().map(h -> h.port()).orElse(OptionalInt.empty());
    }

    @Override
    public void onClosed(PeerLink link) {
        ConnectionExtensions extensions = connections.remove(link);
        if (extensions != null) {
            extensions.close();
        }
    }

    @Override
    public void onPieceVerified(int index) {
        registry.pieceVerified(index);
    }

    @Override
    public void onTick(long nowNanos) {
        registry.tick(nowNanos);
    }

    /** The extensions of one connection, while it is open. */
    public Optional<ConnectionExtensions> extensionsOf(PeerLink link) {
        return Optional.ofNullable(connections.get(link));
    }

    private record LinkPeer(PeerLink link) implements ExtensionPeer {
        @Override
        public Optional<PeerAddress> address() {
            return Optional.ofNullable(link.remote());
        }

        @Override
        public boolean incoming() {
            return link.incoming();
        }

        @Override
        public void sendExtended(int extendedId, byte[] payload) {
            link.send(new Message.Extended(extendedId, payload));
        }

        @Override
        public void close(String reason) {
            link.close(reason);
        }
    }
}
