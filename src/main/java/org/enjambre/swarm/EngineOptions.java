package org.enjambre.swarm;

import java.time.Duration;

/**
 * The engine's named limits and durations. Defaults suit real swarms; tests shorten the durations.
 *
 * @param requestQueueDepth     requests outstanding per peer (pipelining); 16 KiB each
 * @param maxUploadQueue        requests from one peer queued for upload; more are dropped
 * @param maxReadsPerPeer       disk reads in flight for one peer's uploads
 * @param maxConnections        peer connections per torrent
 * @param keepAliveInterval     send a keep-alive after this long without sending anything
 * @param idleTimeout           drop a peer that sent nothing for this long
 * @param handshakeTimeout      drop a connection whose handshake has not arrived by then
 * @param uploadRate            bytes per second of uploads for this torrent, 0 for unlimited
 * @param requestTimeout        a peer that leaves our requests unanswered this long (while
 *                              unchoking us) loses them: they are requested again, from anyone
 */
public record EngineOptions(int requestQueueDepth, int maxUploadQueue, int maxReadsPerPeer, int maxConnections,
                            Duration keepAliveInterval, Duration idleTimeout, Duration handshakeTimeout,
                            long uploadRate, Duration requestTimeout) {

    public static final int DEFAULT_REQUEST_QUEUE_DEPTH = 128;
    public static final int DEFAULT_MAX_UPLOAD_QUEUE = 2048;
    public static final int DEFAULT_MAX_READS_PER_PEER = 8;
    public static final int DEFAULT_MAX_CONNECTIONS = 80;
    /** BEP 3 peers drop a silent connection after about two minutes: keep-alive well before. */
    public static final Duration DEFAULT_KEEP_ALIVE_INTERVAL = Duration.ofSeconds(60);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(180);
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(20);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

    public EngineOptions {
        if (requestQueueDepth < 1 || maxUploadQueue < 1 || maxReadsPerPeer < 1 || maxConnections < 1) {
            throw new IllegalArgumentException("queue depths and connection limit must be >= 1");
        }
        if (idleTimeout.compareTo(keepAliveInterval) <= 0) {
            throw new IllegalArgumentException("idle timeout must be longer than the keep-alive interval");
        }
        if (uploadRate < 0) {
            throw new IllegalArgumentException("upload rate must be >= 0");
        }
    }

    /**
     * The defaults; {@code -Denjambre.requestQueueDepth=N} and {@code -Denjambre.maxReadsPerPeer=N}
     * override two of them, for the benchmark that measures how deep a pipeline fills a link.
     */
    public static EngineOptions defaults() {
        return new EngineOptions(Integer.getInteger("enjambre.requestQueueDepth", DEFAULT_REQUEST_QUEUE_DEPTH),
                DEFAULT_MAX_UPLOAD_QUEUE, Integer.getInteger("enjambre.maxReadsPerPeer", DEFAULT_MAX_READS_PER_PEER),
                DEFAULT_MAX_CONNECTIONS, DEFAULT_KEEP_ALIVE_INTERVAL, DEFAULT_IDLE_TIMEOUT,
                DEFAULT_HANDSHAKE_TIMEOUT, 0, DEFAULT_REQUEST_TIMEOUT);
    }

    public EngineOptions withUploadRate(long bytesPerSecond) {
        return new EngineOptions(requestQueueDepth, maxUploadQueue, maxReadsPerPeer, maxConnections,
                keepAliveInterval, idleTimeout, handshakeTimeout, bytesPerSecond, requestTimeout);
    }

    public EngineOptions withTimeouts(Duration keepAlive, Duration idle) {
        return new EngineOptions(requestQueueDepth, maxUploadQueue, maxReadsPerPeer, maxConnections,
                keepAlive, idle, handshakeTimeout, uploadRate, requestTimeout);
    }

    public EngineOptions withRequestQueueDepth(int depth) {
        return new EngineOptions(depth, maxUploadQueue, maxReadsPerPeer, maxConnections,
                keepAliveInterval, idleTimeout, handshakeTimeout, uploadRate, requestTimeout);
    }

    public EngineOptions withRequestTimeout(Duration timeout) {
        return new EngineOptions(requestQueueDepth, maxUploadQueue, maxReadsPerPeer, maxConnections,
                keepAliveInterval, idleTimeout, handshakeTimeout, uploadRate, timeout);
    }
}
