package org.enjambre.ext;

import org.enjambre.wire.ext.ExtendedHandshake;
import org.enjambre.wire.ext.ExtensionMessageException;

/**
 * One BEP 10 extension on one connection (ut_metadata, ut_pex, ...): made by its {@link Factory} when
 * the connection is attached, so that its per-peer state lives and dies with the connection. Every
 * method is called on the connection's thread.
 */
public interface Extension {
    /** The name in the {@code m} dictionary, e.g. {@code ut_metadata}. */
    String name();

    /** Adds the fields this extension needs in our extended handshake (e.g. {@code metadata_size}). */
    default void addHandshakeFields(ExtendedHandshake.Builder handshake) {
    }

    /** The peer's extended handshake came (again: BEP 10 lets a peer send it more than once). */
    default void onHandshake(ExtendedHandshake theirs) {
    }

    /**
     * One message for this extension: the peer sent it under the local id we gave this extension.
     *
     * @throws ExtensionMessageException when the payload is malformed; the connection is closed
     */
    void onMessage(byte[] payload) throws ExtensionMessageException;

    /** We verified piece {@code index} of the torrent. */
    default void onPieceVerified(int index) {
    }

    /**
     * The torrent's timer ticked (about twice a second): time-driven work such as a message due once
     * a minute. {@code nowNanos} is the engine's clock.
     */
    default void onTick(long nowNanos) {
    }

    /** The connection closed; release what this peer held. */
    default void onClose() {
    }

    /** Makes the per-connection object of one extension. */
    @FunctionalInterface
    interface Factory {
        Extension create(ExtensionChannel channel);
    }
}
