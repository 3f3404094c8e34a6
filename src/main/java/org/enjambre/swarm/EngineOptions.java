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
 * @param downloadRate          bytes per second of downloads for this torrent, 0 for unlimited
 * @param uploadSlots           regular unchoke slots (tit-for-tat), besides the optimistic one
 * @param chokeInterval         how often the regular slots are decided again
 * @param optimisticInterval    how often the optimistic unchoke moves to another peer
 * @param snubTimeout           a peer that unchoked us and holds our requests but sends no block
 *                              for this long is snubbing us: its requests go to others
 * @param targetConnections     the engine dials known peers while it has fewer connections
 * @param resumeSaveInterval    how often resume data is saved while pieces are being verified
 * @param endgameRedundancy     in endgame, how many peers at most are asked for the same block
 * @param requestTimeout        a peer that leaves our requests unanswered this long (while
 *                              unchoking us) loses them: they are requested again, from anyone
 */
public record EngineOptions(int requestQueueDepth, int maxUploadQueue, int maxReadsPerPeer, int maxConnections,
                            Duration keepAliveInterval, Duration idleTimeout, Duration handshakeTimeout,
                            long uploadRate, long downloadRate, int uploadSlots, Duration chokeInterval,
                            Duration optimisticInterval, Duration snubTimeout, int targetConnections,
                            Duration resumeSaveInterval, int endgameRedundancy, Duration requestTimeout) {

    public static final int DEFAULT_REQUEST_QUEUE_DEPTH = 128;
    public static final int DEFAULT_MAX_UPLOAD_QUEUE = 2048;
    public static final int DEFAULT_MAX_READS_PER_PEER = 8;
    public static final int DEFAULT_MAX_CONNECTIONS = 80;
    /** BEP 3 peers drop a silent connection after about two minutes: keep-alive well before. */
    public static final Duration DEFAULT_KEEP_ALIVE_INTERVAL = Duration.ofSeconds(60);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(180);
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(20);
    /** Mainline BitTorrent's choker: 4 regular slots re-decided every 10 s, optimistic every 30 s. */
    public static final int DEFAULT_UPLOAD_SLOTS = 4;
    public static final Duration DEFAULT_CHOKE_INTERVAL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_OPTIMISTIC_INTERVAL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_SNUB_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_TARGET_CONNECTIONS = 40;
    public static final Duration DEFAULT_RESUME_SAVE_INTERVAL = Duration.ofSeconds(30);
    public static final int DEFAULT_ENDGAME_REDUNDANCY = 3;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

    public EngineOptions {
        if (requestQueueDepth < 1 || maxUploadQueue < 1 || maxReadsPerPeer < 1 || maxConnections < 1
                || uploadSlots < 1 || targetConnections < 1 || endgameRedundancy < 1) {
            throw new IllegalArgumentException("queue depths, slots and connection limits must be >= 1");
        }
        if (idleTimeout.compareTo(keepAliveInterval) <= 0) {
            throw new IllegalArgumentException("idle timeout must be longer than the keep-alive interval");
        }
        if (uploadRate < 0 || downloadRate < 0) {
            throw new IllegalArgumentException("rates must be >= 0");
        }
        if (chokeInterval.isNegative() || chokeInterval.isZero() || optimisticInterval.compareTo(chokeInterval) < 0
                || snubTimeout.isNegative() || snubTimeout.isZero() || resumeSaveInterval.isNegative()
                || resumeSaveInterval.isZero() || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("choke, optimistic, snub and resume intervals must be positive,"
                    + " the optimistic one at least the choke one");
        }
    }

    /** The first version's shape (issue 3): swarm behaviour at its defaults. */
    public EngineOptions(int requestQueueDepth, int maxUploadQueue, int maxReadsPerPeer, int maxConnections,
                         Duration keepAliveInterval, Duration idleTimeout, Duration handshakeTimeout, long uploadRate) {
        this(requestQueueDepth, maxUploadQueue, maxReadsPerPeer, maxConnections, keepAliveInterval, idleTimeout,
                handshakeTimeout, uploadRate, 0, DEFAULT_UPLOAD_SLOTS, DEFAULT_CHOKE_INTERVAL,
                DEFAULT_OPTIMISTIC_INTERVAL, DEFAULT_SNUB_TIMEOUT, DEFAULT_TARGET_CONNECTIONS,
                DEFAULT_RESUME_SAVE_INTERVAL, DEFAULT_ENDGAME_REDUNDANCY, DEFAULT_REQUEST_TIMEOUT);
    }

    /** The peer engine's shape (issue 3, with the request timeout): swarm behaviour at its defaults. */
    public EngineOptions(int requestQueueDepth, int maxUploadQueue, int maxReadsPerPeer, int maxConnections,
                         Duration keepAliveInterval, Duration idleTimeout, Duration handshakeTimeout, long uploadRate,
                         Duration requestTimeout) {
        this(requestQueueDepth, maxUploadQueue, maxReadsPerPeer, maxConnections, keepAliveInterval, idleTimeout,
                handshakeTimeout, uploadRate, 0, DEFAULT_UPLOAD_SLOTS, DEFAULT_CHOKE_INTERVAL,
                DEFAULT_OPTIMISTIC_INTERVAL, DEFAULT_SNUB_TIMEOUT, DEFAULT_TARGET_CONNECTIONS,
                DEFAULT_RESUME_SAVE_INTERVAL, DEFAULT_ENDGAME_REDUNDANCY, requestTimeout);
    }

    /**
     * The defaults; {@code -Denjambre.requestQueueDepth=N} and {@code -Denjambre.maxReadsPerPeer=N}
     * override two of them, for the benchmark that measures how deep a pipeline fills a link.
     */
    public static EngineOptions defaults() {
        return new EngineOptions(Integer.getInteger("enjambre.requestQueueDepth", DEFAULT_REQUEST_QUEUE_DEPTH),
                DEFAULT_MAX_UPLOAD_QUEUE, Integer.getInteger("enjambre.maxReadsPerPeer", DEFAULT_MAX_READS_PER_PEER),
                DEFAULT_MAX_CONNECTIONS, DEFAULT_KEEP_ALIVE_INTERVAL, DEFAULT_IDLE_TIMEOUT,
                DEFAULT_HANDSHAKE_TIMEOUT, 0);
    }

    public EngineOptions withUploadRate(long bytesPerSecond) {
        return new EngineOptions(requestQueueDepth, maxUploadQueue, maxReadsPerPeer, maxConnections,
                keepAliveInterval, idleTimeout, handshakeTimeout, bytesPerSecond, downloadRate, uploadSlots,
                chokeInterval, optimisticInterval, snubTimeout, targetConnections, resumeSaveInterval,
                endgameRedundancy, requestTimeout);
    }

    public EngineOptions withDownloadRate(long bytesPerSecond) {
        return new EngineOptions(requestQueueDepth, maxUploadQueue, maxReadsPerPeer, maxConnections,
                keepAliveInterval, idleTimeout, handshakeTimeout, uploadRate, bytesPerSecond, uploadSlots,
                chokeInterval, optimisticInterval, snubTimeout, targetConnections, resumeSaveInterval,
                endgameRedundancy, requestTimeout);
    }

    public EngineOptions withTimeouts(Duration keepAlive, Duration idle) {
        return new EngineOptions(requestQueueDepth, maxUploadQueue, maxReadsPerPeer, maxConnections,
                keepAlive, idle, handshakeTimeout, uploadRate, downloadRate, uploadSlots,
                chokeInterval, optimisticInterval, snubTimeout, targetConnections, resumeSaveInterval,
                endgameRedundancy, requestTimeout);
    }

    public EngineOptions withRequestQueueDepth(int depth) {
        return new EngineOptions(depth, maxUploadQueue, maxReadsPerPeer, maxConnections,
                keepAliveInterval, idleTimeout, handshakeTimeout, uploadRate, downloadRate, uploadSlots,
                chokeInterval, optimisticInterval, snubTimeout, targetConnections, resumeSaveInterval,
                endgameRedundancy, requestTimeout);
    }

    /** The choker's durations (tests shorten them) and its number of regular slots. */
    public EngineOptions withChoking(int slots, Duration choke, Duration optimistic, Duration snub) {
        return new EngineOptions(requestQueueDepth, maxUploadQueue, maxReadsPerPeer, maxConnections,
                keepAliveInterval, idleTimeout, handshakeTimeout, uploadRate, downloadRate, slots,
                choke, optimistic, snub, targetConnections, resumeSaveInterval, endgameRedundancy, requestTimeout);
    }

    public EngineOptions withResumeSaveInterval(Duration interval) {
        return new EngineOptions(requestQueueDepth, maxUploadQueue, maxReadsPerPeer, maxConnections,
                keepAliveInterval, idleTimeout, handshakeTimeout, uploadRate, downloadRate, uploadSlots,
                chokeInterval, optimisticInterval, snubTimeout, targetConnections, interval, endgameRedundancy, requestTimeout);
    }

    public EngineOptions withRequestTimeout(Duration timeout) {
        return new EngineOptions(requestQueueDepth, maxUploadQueue, maxReadsPerPeer, maxConnections,
                keepAliveInterval, idleTimeout, handshakeTimeout, uploadRate, downloadRate, uploadSlots,
                chokeInterval, optimisticInterval, snubTimeout, targetConnections, resumeSaveInterval,
                endgameRedundancy, timeout);
    }

    public EngineOptions withTargetConnections(int target) {
        return new EngineOptions(requestQueueDepth, maxUploadQueue, maxReadsPerPeer, maxConnections,
                keepAliveInterval, idleTimeout, handshakeTimeout, uploadRate, downloadRate, uploadSlots,
                chokeInterval, optimisticInterval, snubTimeout, target, resumeSaveInterval, endgameRedundancy, requestTimeout);
    }
}
