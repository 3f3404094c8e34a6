package org.enjambre.swarm;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import org.enjambre.net.PeerAddress;
import org.enjambre.wire.Handshake;
import org.enjambre.wire.Message;
import org.enjambre.wire.MessageEncoder;
import org.enjambre.wire.WireDecoder;
import org.enjambre.wire.WireException;

/**
 * One peer connection of one torrent over a {@link NetSocket}: feeds what it reads through the
 * decoder to the engine, sends what the components give it, and keeps the connection's liveness
 * (when it last read and wrote). The peer's state lives in its {@link PeerState}; decisions are the
 * components'. Used only on the engine's context.
 */
final class PeerConnection implements PeerLink {
    private final TorrentEngine engine;
    private final NetSocket socket;
    final WireDecoder decoder;
    private final boolean incoming;
    private final String address;
    private final PeerAddress remote;
    private final EngineClock clock;
    private final PeerState state;

    /** The handshake was accepted and the engine counts this connection. */
    boolean registered;
    private boolean closed;
    long lastReceivedNanos;
    long lastSentNanos;
    /** Reading paused by the download rate limit. */
    boolean readPaused;

    /** @param remote the address dialled, or the incoming socket's remote address (null if unknown) */
    PeerConnection(TorrentEngine engine, NetSocket socket, WireDecoder decoder, boolean incoming, PeerAddress remote,
                   int pieceCount, EngineClock clock) {
        this.engine = engine;
        this.socket = socket;
        this.decoder = decoder;
        this.incoming = incoming;
        this.address = socket.remoteAddress() == null ? "?" : socket.remoteAddress().toString();
        this.remote = remote;
        this.clock = clock;
        long now = clock.nanoTime();
        this.state = new PeerState(pieceCount, now);
        this.lastReceivedNanos = now;
        this.lastSentNanos = now;
    }

    /** Starts reading: every read goes through the decoder to the engine. */
    void start() {
        socket.handler(this::onData);
        socket.closeHandler(v -> {
            if (!closed) {
                closed = true;
                engine.closed(this, null);
            }
        });
        socket.exceptionHandler(e -> close("socket error: " + e.getMessage()));
    }

    private void onData(Buffer data) {
        if (closed) {
            return;
        }
        lastReceivedNanos = clock.nanoTime();
        decoder.feed(data);
        drain();
        engine.received(this, data.length());
    }

    /** Hands every complete item in the decoder to the engine. */
    void drain() {
        try {
            Object item;
            while (!closed && (item = decoder.next()) != null) {
                switch (item) {
                    case Handshake handshake -> engine.onHandshake(this, handshake);
                    case Message message -> engine.onMessage(this, message);
                    default -> throw new IllegalStateException("decoder gave " + item);
                }
            }
        } catch (WireException e) {
            close("protocol error: " + e.getMessage());
        }
    }

    @Override
    public String address() {
        return address;
    }

    @Override
    public PeerAddress remote() {
        return remote;
    }

    @Override
    public boolean incoming() {
        return incoming;
    }

    @Override
    public PeerState state() {
        return state;
    }

    @Override
    public void send(Message message) {
        send(MessageEncoder.encode(message));
    }

    @Override
    public void send(Buffer bytes) {
        if (!closed) {
            lastSentNanos = clock.nanoTime();
            socket.write(bytes);
        }
    }

    @Override
    public void close(String reason) {
        if (closed) {
            return;
        }
        closed = true;
        socket.close();
        engine.closed(this, reason);
    }

    @Override
    public boolean closed() {
        return closed;
    }

    @Override
    public boolean writeQueueFull() {
        return socket.writeQueueFull();
    }

    @Override
    public void onDrain(Runnable action) {
        socket.drainHandler(v -> action.run());
    }

    @Override
    public void pauseReading() {
        socket.pause();
    }

    @Override
    public void resumeReading() {
        socket.resume();
    }

    @Override
    public String toString() {
        return address + (state.peerId == null ? "" : " " + state.client());
    }
}
