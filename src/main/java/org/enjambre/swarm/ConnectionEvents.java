package org.enjambre.swarm;

import org.enjambre.wire.Handshake;
import org.enjambre.wire.Message;

/**
 * What a {@link PeerConnection} reports to the torrent it belongs to: the engine of a known torrent, or
 * the {@link MetadataSwarm} of a magnet link that waits for its info dictionary. Called on that
 * torrent's context.
 */
interface ConnectionEvents {
    void onHandshake(PeerConnection connection, Handshake theirs);

    void onMessage(PeerConnection connection, Message message);

    /**
     * Every message of one read was handed over: what answers them may go out now, together (they
     * leave in one flush at the read's end anyway).
     */
    default void onReadDone(PeerConnection connection) {
    }

    /** The connection closed; {@code reason} is logged once (null for an ordinary close). */
    void closed(PeerConnection connection, String reason);
}
