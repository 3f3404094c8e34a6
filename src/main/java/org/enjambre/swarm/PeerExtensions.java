package org.enjambre.swarm;

import org.enjambre.wire.Handshake;
import org.enjambre.wire.Message;

/**
 * The seam for the extension protocol (BEP 10): the engine tells the extensions when a peer's
 * handshake is accepted (right after our bitfield, so that the extended handshake is the next
 * message the peer reads), hands them every {@link Message.Extended}, and says when the peer left.
 * Called on the engine's context; the engine itself implements no extension.
 */
public interface PeerExtensions {
    /** Does nothing: the engine without extensions. */
    PeerExtensions NONE = new PeerExtensions() {
    };

    /** The peer's handshake was accepted; messages sent on {@code link} now follow our handshake. */
    default void onHandshake(PeerLink link, Handshake theirs) {
    }

    default void onExtended(PeerLink link, Message.Extended message) {
    }

    default void onClosed(PeerLink link) {
    }
}
