package org.enjambre.swarm;

import java.time.Duration;
import org.enjambre.net.ConnectionSlots;
import org.enjambre.net.FileDescriptors;

/**
 * The node-wide caps of the peer port, before any torrent sees a connection: sockets not yet
 * handshaken (all addresses together), sockets one remote address may hold (handshaken or not,
 * every torrent together), and how long a socket may take to send its handshake. The per-torrent
 * caps (peers per torrent, per address per torrent) are the engine's.
 *
 * @param maxHalfOpen      accepted sockets whose handshake has not arrived yet
 * @param maxPerAddress    sockets one IP address may hold on the port
 * @param handshakeTimeout a socket that has not sent its handshake by then is closed
 */
public record PeerPortLimits(int maxHalfOpen, int maxPerAddress, Duration handshakeTimeout) {
    /** A peer sends its handshake at once: 10 s is generous even over a slow link. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** Half-open sockets take at most this share of the file descriptors (1/16). */
    static final int HALF_OPEN_SHARE = 16;
    static final int MIN_HALF_OPEN = 16;
    static final int MAX_HALF_OPEN = 256;
    /**
     * One address may hold this many sockets: enough for a few clients behind one NAT (and for the
     * loopback swarms of the tests and benchmarks, 16 peers on 127.0.0.1), never the 80 slots of a
     * torrent (the attack this cap answers: 90 handshakes from one address took them all).
     */
    public static final int DEFAULT_MAX_PER_ADDRESS = 20;

    public PeerPortLimits {
        if (maxHalfOpen < 1 || maxPerAddress < 1) {
            throw new IllegalArgumentException("peer port caps must be positive: half-open " + maxHalfOpen
                    + ", per address " + maxPerAddress);
        }
        if (handshakeTimeout == null || handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshake timeout must be positive: " + handshakeTimeout);
        }
    }

    /** Sized from this process's file-descriptor limit. */
    public static PeerPortLimits defaults() {
        return forFileDescriptors(FileDescriptors.softLimit());
    }

    /**
     * Half-open sockets get 1/16 of {@code fileDescriptors} (between 16 and 256), so that a flood of
     * silent sockets leaves the rest for files, peers and the other ports.
     */
    public static PeerPortLimits forFileDescriptors(long fileDescriptors) {
        int halfOpen = (int) Math.clamp(fileDescriptors / HALF_OPEN_SHARE, MIN_HALF_OPEN, MAX_HALF_OPEN);
        return new PeerPortLimits(halfOpen, Math.min(DEFAULT_MAX_PER_ADDRESS, halfOpen), DEFAULT_HANDSHAKE_TIMEOUT);
    }

    ConnectionSlots.Limits slots() {
        return new ConnectionSlots.Limits(maxHalfOpen, maxPerAddress);
    }
}
