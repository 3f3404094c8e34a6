package org.enjambre.ext;

import java.util.Optional;
import org.enjambre.net.PeerAddress;

/**
 * One connection as the extension seam needs it: where the peer is, and a way to send it an
 * extended message (BEP 10, message id 20) or to close it. The swarm implements it over its socket;
 * tests implement it with a recorder.
 */
public interface ExtensionPeer {
    /** The peer's address as we see it (its IP is what we tell it in {@code yourip}); empty if unknown. */
    Optional<PeerAddress> address();

    /** Whether the peer connected to us, rather than we to it. */
    default boolean incoming() {
        return false;
    }

    /** Sends extended message {@code extendedId} (0 is the extended handshake) with {@code payload}. */
    void sendExtended(int extendedId, byte[] payload);

    /** Closes the connection, for a peer that broke an extension's protocol; {@code reason} is logged. */
    void close(String reason);
}
