package org.enjambre.swarm;

import io.netty.buffer.ByteBuf;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Whole verified pieces read for uploads, least recently used dropped first, bounded in bytes:
 * a peer asks for a piece's blocks one after another, so one disk read serves them all.
 * Only verified pieces are ever read for upload, and they never change, so entries never go stale.
 *
 * <p>The pieces are direct buffers ({@link UploadBuffers}) that blocks are sliced from without copying: the cache
 * holds one reference to each and releases it when the piece is dropped; a block on its way to a
 * socket holds its own, so memory goes back for reuse once the last block of a dropped piece is
 * written. Used only on the engine's context.
 */
final class ReadCache {
    private final long maxBytes;
    private long bytes;
    private final LinkedHashMap<Integer, ByteBuf> pieces = new LinkedHashMap<>(16, 0.75f, true);

    ReadCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The piece's data, or null; the caller takes its own reference (a retained slice) to keep it. */
    ByteBuf get(int piece) {
        return pieces.get(piece);
    }

    /** Keeps the piece, taking over the caller's reference (released at once if it can never fit). */
    void put(int piece, ByteBuf data) {
        if (data.readableBytes() > maxBytes) {
            data.release();
            return;
        }
        ByteBuf old = pieces.put(piece, data);
        if (old != null) {
            bytes -= old.readableBytes();
            old.release();
        }
        bytes += data.readableBytes();
        var it = pieces.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<Integer, ByteBuf> eldest = it.next();
            bytes -= eldest.getValue().readableBytes();
            eldest.getValue().release();
            it.remove();
        }
    }

    /** Drops every piece (the torrent stops). */
    void clear() {
        for (ByteBuf b : pieces.values()) {
            b.release();
        }
        pieces.clear();
        bytes = 0;
    }

    /** Bytes held now. */
    long bytes() {
        return bytes;
    }
}
