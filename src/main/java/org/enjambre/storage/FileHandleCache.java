package org.enjambre.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A bounded, least-recently-used set of open {@link FileChannel}s, one per file of a torrent, so that
 * a torrent with thousands of files never runs into "too many open files".
 *
 * <p>Handles are reference-counted: an evicted handle that another thread is still reading or
 * writing is closed only when that thread releases it, so eviction never breaks an I/O in flight.
 * At most {@code limit} idle handles stay open; handles in use may briefly push the count above the
 * limit by the number of threads doing I/O at that moment.
 */
final class FileHandleCache {
    /** Opens the channel of one file, for reading only or for reading and writing. */
    interface Opener {
        FileChannel open(int fileIndex, boolean forWrite) throws IOException;
    }

    /** One open channel and how many threads use it now. Guarded by the cache's lock. */
    static final class Handle {
        final int fileIndex;
        final FileChannel channel;
        final boolean writable;
        private int users;
        private boolean retired;
        private boolean closedByCache;

        Handle(int fileIndex, FileChannel channel, boolean writable) {
            this.fileIndex = fileIndex;
            this.channel = channel;
            this.writable = writable;
        }
    }

    private final int limit;
    private final Opener opener;
    // Access order: iteration starts at the least recently used handle.
    private final LinkedHashMap<Integer, Handle> open = new LinkedHashMap<>(16, 0.75f, true);
    private boolean closed;
    private int channelsOpen;
    private int peakChannelsOpen;

    FileHandleCache(int limit, Opener opener) {
        if (limit < 1) {
            throw new IllegalArgumentException("file handle limit must be at least 1, got " + limit);
        }
        this.limit = limit;
        this.opener = opener;
    }

    /**
     * The handle of a file, opened if needed (writable if {@code forWrite}). Every acquire must be
     * followed by one {@link #release}.
     */
    synchronized Handle acquire(int fileIndex, boolean forWrite) throws IOException {
        if (closed) {
            throw new IllegalStateException("storage is closed");
        }
        Handle h = open.get(fileIndex);
        if (h != null && (h.writable || !forWrite)) {
            h.users++;
            return h;
        }
        if (h != null) {
            // A read-only handle cannot write: replace it by a writable one.
            open.remove(fileIndex);
            retire(h);
        }
        // Opening under the lock keeps one handle per file; an open is a few system calls.
        FileChannel channel = opener.open(fileIndex, forWrite);
        h = new Handle(fileIndex, channel, forWrite);
        h.users = 1;
        open.put(fileIndex, h);
        channelsOpen++;
        peakChannelsOpen = Math.max(peakChannelsOpen, channelsOpen);
        evictBeyondLimit();
        return h;
    }

    synchronized void release(Handle h) {
        h.users--;
        if (h.retired && h.users == 0) {
            closeQuietly(h);
        }
    }

    /** Forgets a handle whose channel was closed under it (e.g. by another thread's interrupt). */
    synchronized void invalidate(Handle h) {
        if (open.get(h.fileIndex) == h) {
            open.remove(h.fileIndex);
        }
        retire(h);
    }

    /** Forces every open writable channel's content to the device. */
    void force() throws IOException {
        List<Handle> writable = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("storage is closed");
            }
            for (Handle h : open.values()) {
                if (h.writable) {
                    h.users++;
                    writable.add(h);
                }
            }
        }
        try {
            for (Handle h : writable) {
                h.channel.force(false);
            }
        } finally {
            for (Handle h : writable) {
                release(h);
            }
        }
    }

    /** Closes every channel now; I/O still in flight on one of them fails. */
    synchronized void close() {
        closed = true;
        for (Handle h : open.values()) {
            h.retired = true;
            closeQuietly(h);
        }
        open.clear();
    }

    synchronized boolean isClosed() {
        return closed;
    }

    /** Channels open right now (idle and in use). */
    synchronized int channelsOpen() {
        return channelsOpen;
    }

    /** Most channels ever open at once. */
    synchronized int peakChannelsOpen() {
        return peakChannelsOpen;
    }

    private void evictBeyondLimit() {
        Iterator<Map.Entry<Integer, Handle>> it = open.entrySet().iterator();
        while (open.size() > limit && it.hasNext()) {
            Handle eldest = it.next().getValue();
            it.remove();
            retire(eldest);
        }
    }

    private void retire(Handle h) {
        if (!h.retired) {
            h.retired = true;
            if (h.users == 0) {
                closeQuietly(h);
            }
        }
    }

    private void closeQuietly(Handle h) {
        if (h.closedByCache) {
            return;
        }
        h.closedByCache = true;
        channelsOpen--;
        try {
            h.channel.close();
        } catch (IOException ignored) {
            // Nothing was buffered in the channel (positional I/O goes straight to the kernel).
        }
    }
}
