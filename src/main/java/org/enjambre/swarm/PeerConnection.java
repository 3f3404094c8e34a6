package org.enjambre.swarm;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.LinkedHashSet;
import org.enjambre.net.PeerAddress;
import org.enjambre.wire.Handshake;
import org.enjambre.wire.Message;
import org.enjambre.wire.MessageEncoder;
import org.enjambre.wire.WireDecoder;
import org.enjambre.wire.WireException;

/**
 * One peer connection of one torrent: the socket, its decoder, the four BEP 3 flags, the peer's
 * pieces, our requests to it and its requests to us. Decisions are the engine's; this class keeps
 * the state and moves bytes. Used only on the engine's event loop.
 */
final class PeerConnection implements PeerLink {
    final TorrentEngine engine;
    final NetSocket socket;
    final WireDecoder decoder;
    final boolean incoming;
    final String address;
    private final PeerAddress remote;

    byte[] peerId;
    boolean registered;
    boolean closed;

    boolean amChoking = true;
    boolean amInterested;
    boolean peerChoking = true;
    boolean peerInterested;

    final BitSet pieces;
    /** Pieces the peer has that we lack: interest without rescanning the bitfield. */
    int interesting;

    /** Our requests to this peer, in the order sent. */
    final LinkedHashSet<Long> outstanding = new LinkedHashSet<>();
    /** Blocks received from this peer and not yet on disk: they count against the pipeline. */
    int pendingWrites;

    /** The peer's requests to us, waiting for a disk read. */
    final ArrayDeque<Message.Request> uploadQueue = new ArrayDeque<>();
    int readsInFlight;
    boolean drainArmed;
    /** In the engine's round of peers waiting for upload tokens. */
    boolean waitingToUpload;

    long lastReceivedNanos = System.nanoTime();
    /** When a requested block last arrived (or the first request went out): for the request timeout. */
    long lastBlockNanos = System.nanoTime();
    long lastSentNanos = System.nanoTime();
    long bytesDownloaded;
    long bytesUploaded;

    /** Session counters of this peer (null until the handshake names it). */
    PeerStats stats;
    /** Byte counts at the start of the current choke round: the rates the choker compares. */
    long downloadedAtRound;
    long uploadedAtRound;
    /** Pieces we sent this peer at least one block of. */
    final BitSet piecesServed = new BitSet();
    /** Choke rounds in a row this peer held a regular slot. */
    int roundsUnchoked;
    /** Holds the optimistic unchoke. */
    boolean optimistic;
    /** No block for the snub timeout while holding our requests: one request at a time until it sends. */
    boolean snubbed;
    /** Smoothed bytes per second received from this peer, and the last sample point. */
    double downloadRate;
    long rateSampleBytes;
    long rateSampleNanos = System.nanoTime();
    /** Reading paused by the download rate limit. */
    boolean readPaused;

    PeerConnection(TorrentEngine engine, NetSocket socket, WireDecoder decoder, boolean incoming, int pieceCount) {
        this.engine = engine;
        this.socket = socket;
        this.decoder = decoder;
        this.incoming = incoming;
        this.address = socket.remoteAddress() == null ? "?" : socket.remoteAddress().toString();
        this.remote = socket.remoteAddress() == null || socket.remoteAddress().hostAddress() == null
                || socket.remoteAddress().port() <= 0 ? null
                : new PeerAddress(socket.remoteAddress().hostAddress(), socket.remoteAddress().port());
        this.pieces = new BitSet(pieceCount);
    }

    /** Starts reading: every read goes through the decoder to the engine. */
    void start() {
        socket.handler(this::onData);
        socket.closeHandler(v -> engine.closed(this, null));
        socket.exceptionHandler(e -> close("socket error: " + e.getMessage()));
    }

    void onData(Buffer data) {
        if (closed) {
            return;
        }
        lastReceivedNanos = System.nanoTime();
        decoder.feed(data);
        drain();
        engine.received(this, data.length());
    }

    /** Hands every complete item in the decoder to the engine. */
    void drain() {
        try {
            Object item;
            while (!closed && (item = decoder.next()) != null) {
                if (item instanceof Handshake handshake) {
                    engine.onHandshake(this, handshake);
                } else {
                    engine.onMessage(this, (Message) item);
                }
            }
        } catch (WireException e) {
            close("protocol error: " + e.getMessage());
        }
    }

    @Override
    public PeerAddress remote() {
        return remote;
    }

    @Override
    public void send(Message message) {
        send(MessageEncoder.encode(message));
    }

    void send(Buffer bytes) {
        if (!closed) {
            lastSentNanos = System.nanoTime();
            socket.write(bytes);
        }
    }

    /** Closes the connection; {@code reason} is logged once (null for an ordinary close). */
    @Override
    public void close(String reason) {
        if (closed) {
            return;
        }
        socket.close();
        engine.closed(this, reason);
    }

    String client() {
        return peerId == null ? "?" : new String(peerId, 0, 8, StandardCharsets.ISO_8859_1);
    }

    @Override
    public String toString() {
        return address + (peerId == null ? "" : " " + client());
    }
}
