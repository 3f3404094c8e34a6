package org.enjambre.swarm;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Whole verified pieces read for uploads, least recently used dropped first, bounded in bytes:
 * a peer asks for a piece's blocks one after another, so one disk read serves them all.
 * Only verified pieces are ever read for upload, and they never change, so entries never go stale.
 */
final class ReadCache {
    private final long maxBytes;
    private long bytes;
    private final LinkedHashMap<Integer, byte[]> pieces = new LinkedHashMap<>(16, 0.75f, true);

    ReadCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    byte[] get(int piece) {
        return pieces.get(piece);
    }

    void put(int piece, byte[] data) {
        if (data.length > maxBytes) {
            return;
        }
        byte[] old = pieces.put(piece, data);
        if (old != null) {
            bytes -= old.length;
        }
        bytes += data.length;
        var it = pieces.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<Integer, byte[]> eldest = it.next();
            bytes -= eldest.getValue().length;
            it.remove();
        }
    }
}
