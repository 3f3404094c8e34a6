package org.enjambre.ext;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.enjambre.net.PeerAddress;
import org.enjambre.wire.ext.ExtendedHandshake;
import org.enjambre.wire.ext.ExtensionMessageException;
import org.enjambre.wire.ext.MetadataMessage;

/**
 * ut_metadata (BEP 9) on one connection. Serving: offers {@code metadata_size} when the torrent's info
 * dictionary is known and answers each {@code request} with that piece's exact bytes, or {@code reject}
 * when we have none; requests wait in a queue of at most {@link #MAX_QUEUED_REQUESTS} and leave it at
 * {@link #SERVED_PIECES_PER_SECOND}, so that asking for metadata over and over cannot turn us into a
 * pump. Fetching: tells the torrent's {@link MetadataFetch} what this peer offers and hands it the
 * pieces and rejects that come back.
 */
final class MetadataExtension implements Extension {
    /** Requests from one peer waiting for the throttle; each one past this is rejected at once. */
    static final int MAX_QUEUED_REQUESTS = 64;
    /**
     * Pieces served to one peer per second (512 KiB/s): a real info dictionary (tens of KiB, a few MiB
     * at most) goes out in well under a second, a peer asking for it in a loop gets no more than that.
     */
    static final int SERVED_PIECES_PER_SECOND = 32;

    private final TorrentMetadata metadata;
    private final ExtensionChannel channel;
    private final Deque<Integer> queued = new ArrayDeque<>();
    private double tokens = SERVED_PIECES_PER_SECOND;
    private long lastRefillNanos;
    private boolean drainScheduled;
    private boolean closed;

    MetadataExtension(TorrentMetadata metadata, ExtensionChannel channel) {
        this.metadata = metadata;
        this.channel = channel;
        this.lastRefillNanos = metadata.clock().nanoTime();
    }

    @Override
    public String name() {
        return MetadataMessage.NAME;
    }

    @Override
    public void addHandshakeFields(ExtendedHandshake.Builder handshake) {
        if (metadata.size() > 0) {
            handshake.metadataSize(metadata.size());
        }
    }

    @Override
    public void onHandshake(ExtendedHandshake theirs) {
        metadata.fetch().ifPresent(f -> f.peerHandshake(this, theirs.metadataSize(), channel.peerSupports()));
    }

    @Override
    public void onMessage(byte[] payload) throws ExtensionMessageException {
        long cap = metadata.fetch().map(MetadataFetch::maxSize).orElse(MetadataMessage.MAX_METADATA_SIZE);
        Optional<MetadataMessage> decoded = MetadataMessage.decode(payload, cap);
        if (decoded.isEmpty()) {
            return; // BEP 9: an unknown msg_type is ignored
        }
        switch (decoded.get()) {
            case MetadataMessage.Request(int piece) -> onRequest(piece);
            case MetadataMessage.Data data -> metadata.fetch().ifPresent(f -> f.onData(this, data));
            case MetadataMessage.Reject(int piece) -> metadata.fetch().ifPresent(f -> f.onReject(this, piece));
        }
    }

    private void onRequest(int piece) {
        if (!channel.peerSupports()) {
            channel.close("asked for metadata without giving ut_metadata an id to answer under");
            return;
        }
        if (metadata.piece(piece) == null || queued.size() >= MAX_QUEUED_REQUESTS) {
            send(new MetadataMessage.Reject(piece));
            return;
        }
        queued.add(piece);
        drain();
    }

    /** Serves queued requests while the throttle allows; the rest wait for a timer. */
    private void drain() {
        long now = metadata.clock().nanoTime();
        tokens = Math.min(SERVED_PIECES_PER_SECOND,
                tokens + (now - lastRefillNanos) * SERVED_PIECES_PER_SECOND / 1e9);
        lastRefillNanos = now;
        while (!closed && tokens >= 1 && !queued.isEmpty()) {
            int piece = queued.poll();
            tokens--;
            byte[] block = metadata.piece(piece);
            send(block == null ? new MetadataMessage.Reject(piece)
                    : new MetadataMessage.Data(piece, metadata.size(), block));
        }
        if (!closed && !queued.isEmpty() && !drainScheduled) {
            drainScheduled = true;
            long waitMillis = (long) Math.ceil((1 - tokens) * TimeUnit.SECONDS.toMillis(1) / SERVED_PIECES_PER_SECOND);
            metadata.clock().schedule(waitMillis, () -> {
                drainScheduled = false;
                drain();
            });
        }
    }

    /** Asks this peer for one piece (for the fetch). */
    void request(int piece) {
        send(new MetadataMessage.Request(piece));
    }

    private void send(MetadataMessage message) {
        if (!closed) {
            channel.send(MetadataMessage.encode(message));
        }
    }

    /** Where this peer is, if known (for bans and log lines). */
    Optional<PeerAddress> peer() {
        return channel.peer();
    }

    /** Closes the connection (for the fetch: a liar, or a peer whose metadata we refuse). */
    void close(String reason) {
        channel.close(reason);
    }

    @Override
    public void onClose() {
        closed = true;
        queued.clear();
        metadata.fetch().ifPresent(f -> f.peerGone(this));
    }

    @Override
    public String toString() {
        return peer().map(PeerAddress::toString).orElse("?");
    }
}
