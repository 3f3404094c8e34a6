package org.enjambre.swarm;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One remote peer's counters for one torrent, kept by {@link TorrentState} across reconnections
 * (keyed by peer id) so that the dashboard and tests see the whole session: bytes each way,
 * blocks in flight, hash failures it was involved in, whether it was banned. Written on the
 * engine's event loop, read from anywhere.
 */
public final class PeerStats {
    private final String peerIdHex;
    private volatile String address;
    private final AtomicLong downloaded = new AtomicLong();
    private final AtomicLong uploaded = new AtomicLong();
    private final AtomicInteger requestsOutstanding = new AtomicInteger();
    private final AtomicInteger hashFailures = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile boolean banned;

    PeerStats(String peerIdHex, String address) {
        this.peerIdHex = peerIdHex;
        this.address = address;
    }

    /** The peer id, 40 lowercase hex. */
    public String peerIdHex() {
        return peerIdHex;
    }

    /** The address of its latest connection. */
    public String address() {
        return address;
    }

    /** Bytes of accepted blocks received from this peer. */
    public long downloaded() {
        return downloaded.get();
    }

    /** Bytes of blocks sent to this peer. */
    public long uploaded() {
        return uploaded.get();
    }

    public int requestsOutstanding() {
        return requestsOutstanding.get();
    }

    /** Pieces that failed SHA-1 with a block from this peer in them. */
    public int hashFailures() {
        return hashFailures.get();
    }

    /** How many times it connected in this session. */
    public int connections() {
        return connections.get();
    }

    public boolean banned() {
        return banned;
    }

    void address(String address) {
        this.address = address;
        connections.incrementAndGet();
    }

    void addDownloaded(long bytes) {
        downloaded.addAndGet(bytes);
    }

    void addUploaded(long bytes) {
        uploaded.addAndGet(bytes);
    }

    void requestsOutstanding(int delta) {
        requestsOutstanding.addAndGet(delta);
    }

    int hashFailed() {
        return hashFailures.incrementAndGet();
    }

    void ban() {
        banned = true;
    }

    @Override
    public String toString() {
        return address + " down " + downloaded + " up " + uploaded + " hash failures " + hashFailures
                + (banned ? " banned" : "");
    }
}
