package org.enjambre.ext;

import java.util.Optional;
import org.enjambre.net.PeerAddress;
import org.enjambre.wire.ext.ExtendedHandshake;

/**
 * What one extension may do with the peer of its connection: send its own messages, under the id
 * the peer chose for it, and nothing else.
 */
public interface ExtensionChannel {
    /** The peer's address, if known. */
    Optional<PeerAddress> peer();

    /** Whether the peer connected to us (its remote port is then not where it listens). */
    boolean incoming();

    /** The peer's latest extended handshake, once it came. */
    Optional<ExtendedHandshake> peerHandshake();

    /** Did the peer's handshake give this extension an id (not 0)? Until then nothing can be sent. */
    boolean peerSupports();

    /**
     * Sends one message of this extension to the peer.
     *
     * @throws IllegalStateException when the peer does not support this extension
     */
    void send(byte[] payload);

    /** Closes the connection: the peer broke this extension's protocol. */
    void close(String reason);
}
