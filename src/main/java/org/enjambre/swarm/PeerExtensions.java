package org.enjambre.swarm;

import java.util.OptionalInt;
import org.enjambre.wire.Handshake;
import org.enjambre.wire.Message;

/**
 * The seam for the extension protocol (BEP 10): the engine tells the extensions when a peer's
 * handshake is accepted (before anything else is sent on the connection, so that the extended
 * handshake is the first message the peer reads after ours), hands them every
 * {@link Message.Extended}, says when the peer left and when a piece was verified. Called on the
 * engine's context; the engine itself implements no extension ({@code org.enjambre.ext} does).
 */
public interface PeerExtensions {
    /** Does nothing: the engine without extensions. */
    PeerExtensions NONE = new PeerExtensions() {
    };

    /**
     * How many requests the peer says it queues (BEP 10's {@code reqq}), once its extended handshake
     * came: a peer drops requests past it, so the engine never keeps more outstanding there.
     */
    default OptionalInt requestQueueLimit(PeerLink link) {
        return OptionalInt.empty();
    }

    /**
     * The TCP port the peer says it listens on (BEP 10's {@code p}), once its extended handshake
     * came: a peer that dialled us is reached at its IP and this port, not at its connection's own
     * (ephemeral) port.
     */
    default OptionalInt listenPort(PeerLink link) {
        return OptionalInt.empty();
    }

    /** The peer's handshake was accepted; messages sent on {@code link} now follow our handshake. */
    default void onHandshake(PeerLink link, Handshake theirs) {
    }

    default void onExtended(PeerLink link, Message.Extended message) {
    }

    default void onClosed(PeerLink link) {
    }

    /** The engine's timer ticked (about twice a second); {@code nowNanos} is its clock. */
    default void onTick(long nowNanos) {
    }

    /** The peer said where its DHT node listens (BEP 5 {@code port}, UDP). */
    default void onPort(PeerLink link, Message.Port port) {
    }

    /** We verified piece {@code index}. */
    default void onPieceVerified(int index) {
    }
}
