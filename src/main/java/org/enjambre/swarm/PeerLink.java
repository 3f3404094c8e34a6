package org.enjambre.swarm;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import org.enjambre.net.PeerAddress;
import org.enjambre.wire.Message;

/**
 * How the engine's components talk to one peer connection: send a message or encoded bytes, close
 * it with a reason, read the peer's state ({@link PeerState}: the four BEP 3 flags, its pieces,
 * its identity and counters), honour the socket's backpressure, pause reading. {@code
 * PeerConnection} implements it over a {@code NetSocket}; unit tests use a fake link that records
 * what was sent. Used only on the engine's context.
 *
 * <p>Messages go out in the order they are given: a piece queued before a {@link #send} leaves
 * before it.
 */
public interface PeerLink {
    /** The remote address as logs and the dashboard show it. */
    String address();

    /** Where the peer is: the address we dialled, or the remote address of an incoming socket. */
    PeerAddress remote();

    boolean incoming();

    /** What this torrent knows of the peer; changed only on the engine's context. */
    PeerState state();

    void send(Message message);

    /** Sends bytes already encoded (a batch of requests, a piece header and its block). */
    void send(Buffer bytes);

    /** Sends a batch of {@code count} encoded requests in one write (the wire timeline counts them). */
    default void sendRequests(Buffer batch, int count) {
        send(batch);
    }

    /**
     * Queues a piece message for the block of {@code index} at {@code begin}: its 13-byte header,
     * then {@code block}, which the link takes over (released once written, or at once if the link
     * is closed). A block goes out this way from the buffer it was read into, without a copy.
     * Nothing is pushed to the socket until {@link #flush}: a batch of blocks costs one write
     * system call, not one each. Queued bytes count against {@link #writeQueueFull}.
     */
    void queuePiece(int index, int begin, ByteBuf block);

    /**
     * Queues a short message without pushing it to the socket: it leaves with the next write pushed
     * on this link (a batch of requests or blocks) or at {@link #flush}, whichever comes first.
     * Meant for the HAVE that every peer gets when a piece is verified: pushed one by one, those
     * cost a system call and a wake-up at both ends each, a third of a 16-peer swarm's system calls.
     */
    default void queue(Message message) {
        send(message);
    }

    /** Pushes what {@link #queuePiece} and {@link #queue} queued to the socket, in one go. */
    void flush();

    /** Closes the connection; {@code reason} is logged once (null for an ordinary close). */
    void close(String reason);

    boolean closed();

    /** Whether the socket's write queue is full: stop sending until {@link #onDrain} fires. */
    boolean writeQueueFull();

    /** Runs {@code action} once the write queue has drained. */
    void onDrain(Runnable action);

    /** Stops reading from the socket, so that TCP pushes back on the sender. */
    void pauseReading();

    void resumeReading();
}
