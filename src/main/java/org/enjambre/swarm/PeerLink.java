package org.enjambre.swarm;

import org.enjambre.net.PeerAddress;
import org.enjambre.wire.Message;

/**
 * One peer connection as code outside the engine sees it: where the peer is, send it a message,
 * close it. {@code PeerConnection} implements it over its socket. Only what the extension seam needs
 * today; the engine's split into components (branch {@code engine}) grows this interface with the
 * same signatures, so code written against it keeps compiling.
 */
public interface PeerLink {
    /** Where the peer is, as the socket says; null if unknown. */
    PeerAddress remote();

    void send(Message message);

    /** Closes the connection; {@code reason} is logged once (null for an ordinary close). */
    void close(String reason);
}
