package org.enjambre.ext;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.enjambre.net.PeerAddress;
import org.enjambre.wire.ext.ExtendedHandshake;
import org.enjambre.wire.ext.ExtensionMessageException;

/**
 * The extensions of one connection: sends our extended handshake, reads the peer's (which ids it
 * wants per extension name), and hands each extended message to the extension we gave that id.
 *
 * <p>Not thread-safe: used from the connection's thread.
 */
public final class ConnectionExtensions {
    private final ExtensionRegistry registry;
    private final ExtensionPeer peer;
    /** By our local id. */
    private final Map<Integer, Extension> byLocalId = new LinkedHashMap<>();
    /** The peer's id per extension name, merged over its handshakes (BEP 10: id 0 turns one off). */
    private final Map<String, Integer> theirIds = new TreeMap<>();
    private ExtendedHandshake theirs;
    private boolean closed;

    ConnectionExtensions(ExtensionRegistry registry, ExtensionPeer peer, Map<String, Extension.Factory> factories) {
        this.registry = registry;
        this.peer = peer;
        int id = 1;
        for (Map.Entry<String, Extension.Factory> e : factories.entrySet()) {
            Extension extension = e.getValue().create(new Channel(e.getKey()));
            if (!extension.name().equals(e.getKey())) {
                throw new IllegalStateException("factory for " + e.getKey() + " made " + extension.name());
            }
            byLocalId.put(id++, extension);
        }
    }

    /** Our extended handshake for this peer: {@code m}, {@code v}, {@code p}, {@code reqq}, {@code yourip}, and what extensions add. */
    public ExtendedHandshake ourHandshake() {
        ExtensionRegistry.LocalInfo local = registry.local();
        ExtendedHandshake.Builder b = ExtendedHandshake.builder().version(local.version()).reqq(local.reqq());
        local.listenPort().ifPresent(b::port);
        peer.address().flatMap(PeerAddress::ip).ifPresent(b::yourIp);
        registry.localIds().forEach(b::extension);
        for (Extension extension : byLocalId.values()) {
            extension.addHandshakeFields(b);
        }
        return b.build();
    }

    /** Sends our extended handshake (extended message 0): right after the BitTorrent handshake. */
    public void sendHandshake() {
        peer.sendExtended(0, ourHandshake().encode());
    }

    /**
     * One extended message from the peer: 0 is its handshake, any other id one we gave an extension.
     *
     * @throws ExtensionMessageException when the payload is malformed or the id is one we never gave;
     *                                   the connection should be closed
     */
    public void onExtended(int extendedId, byte[] payload) throws ExtensionMessageException {
        if (closed) {
            return;
        }
        if (extendedId == 0) {
            ExtendedHandshake handshake = ExtendedHandshake.decode(payload);
            handshake.extensionIds().forEach((name, id) -> {
                if (id == 0) {
                    theirIds.remove(name);
                } else {
                    theirIds.put(name, id);
                }
            });
            theirs = handshake;
            for (Extension extension : byLocalId.values()) {
                extension.onHandshake(handshake);
            }
            return;
        }
        Extension extension = byLocalId.get(extendedId);
        if (extension == null) {
            throw new ExtensionMessageException("extended message id " + extendedId + " was never given out (ours: "
                    + registry.localIds() + ")");
        }
        extension.onMessage(payload);
    }

    /** The peer's latest extended handshake, once it came. */
    public Optional<ExtendedHandshake> theirHandshake() {
        return Optional.ofNullable(theirs);
    }

    /** The peer's id per extension name, as its handshakes set them. */
    public Map<String, Integer> theirIds() {
        return Collections.unmodifiableMap(theirIds);
    }

    /** The extension object of this connection with that name. */
    public Optional<Extension> extension(String name) {
        return byLocalId.values().stream().filter(e -> e.name().equals(name)).findFirst();
    }

    void pieceVerified(int index) {
        for (Extension extension : byLocalId.values()) {
            extension.onPieceVerified(index);
        }
    }

    void tick(long nowNanos) {
        for (Extension extension : byLocalId.values()) {
            extension.onTick(nowNanos);
        }
    }

    /** The connection ended: every extension lets go of this peer, and piece events stop. */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        registry.detach(this);
        for (Extension extension : byLocalId.values()) {
            extension.onClose();
        }
    }

    private final class Channel implements ExtensionChannel {
        private final String name;

        Channel(String name) {
            this.name = name;
        }

        @Override
        public Optional<PeerAddress> peer() {
            return peer.address();
        }

        @Override
        public boolean incoming() {
            return peer.incoming();
        }

        @Override
        public Optional<ExtendedHandshake> peerHandshake() {
            return theirHandshake();
        }

        @Override
        public boolean peerSupports() {
            return theirIds.containsKey(name);
        }

        @Override
        public void send(byte[] payload) {
            Integer id = theirIds.get(name);
            if (id == null) {
                throw new IllegalStateException("the peer did not offer " + name);
            }
            if (!closed) {
                peer.sendExtended(id, payload);
            }
        }

        @Override
        public void close(String reason) {
            peer.close(name + ": " + reason);
        }
    }
}
