package org.enjambre.swarm;

import java.time.Duration;

/**
 * The engine's named limits, durations, choker settings and rates, in four groups. Defaults suit
 * real swarms ({@link #defaults()}); tests shorten the durations with the {@code with...} methods.
 * The accessors below the groups name each setting directly, so that call sites stay short.
 */
public record EngineOptions(Limits limits, Timeouts timeouts, Choking choking, Rates rates) {

    /** libtorrent's max_out_request_queue: 8 MiB in flight keeps a seeder busy through a leecher's pauses on loopback. */
    public static final int DEFAULT_REQUEST_QUEUE_DEPTH = 500;
    public static final int DEFAULT_ENDGAME_REDUNDANCY = 3;
    public static final int DEFAULT_MAX_UPLOAD_QUEUE = 2048;
    public static final int DEFAULT_MAX_READS_PER_PEER = 8;
    public static final int DEFAULT_MAX_CONNECTIONS = 80;
    public static final int DEFAULT_TARGET_CONNECTIONS = 40;
    /**
     * Connections per remote IP address per torrent, like libtorrent's default (no
     * {@code allow_multiple_connections_per_ip}): one client per host, so that one address cannot
     * take a torrent's slots. Loopback is exempt (see {@link PeerList}).
     */
    public static final int DEFAULT_CONNECTIONS_PER_IP = 1;
    /** Peers remembered for redialling per torrent (from --peer, trackers, later PEX and the DHT). */
    public static final int DEFAULT_MAX_KNOWN_PEERS = 1000;
    /** BEP 3 peers drop a silent connection after about two minutes: keep-alive well before. */
    public static final Duration DEFAULT_KEEP_ALIVE_INTERVAL = Duration.ofSeconds(60);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(180);
    /** The same as the peer port's: a peer sends its handshake at once, whichever side dialled. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = PeerPortLimits.DEFAULT_HANDSHAKE_TIMEOUT;
    public static final Duration DEFAULT_SNUB_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_RESUME_SAVE_INTERVAL = Duration.ofSeconds(30);
    /** A peer with no block either way and no interest either way this long may give its slot to a new one. */
    public static final Duration DEFAULT_IDLE_EVICTION = Duration.ofSeconds(60);
    /** Mainline BitTorrent's choker: 4 regular slots re-decided every 10 s, optimistic every 30 s. */
    public static final int DEFAULT_UPLOAD_SLOTS = 4;
    public static final Duration DEFAULT_CHOKE_INTERVAL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_OPTIMISTIC_INTERVAL = Duration.ofSeconds(30);

    /**
     * Counts: what the engine holds at most.
     *
     * @param requestQueueDepth  requests outstanding per peer at most (pipelining); 16 KiB each
     * @param endgameRedundancy  in endgame, how many peers at most are asked for the same block
     * @param maxUploadQueue     requests from one peer queued for upload; more close the connection
     * @param maxReadsPerPeer    disk reads in flight for one peer's uploads
     * @param maxConnections     peer connections per torrent (handshaking ones included)
     * @param targetConnections  the engine dials known peers while it has fewer connections
     * @param connectionsPerIp   connections per remote IP address per torrent (loopback exempt)
     * @param maxKnownPeers      candidates remembered per torrent for (re)dialling
     */
    public record Limits(int requestQueueDepth, int endgameRedundancy, int maxUploadQueue, int maxReadsPerPeer,
                         int maxConnections, int targetConnections, int connectionsPerIp, int maxKnownPeers) {
        public Limits {
            if (requestQueueDepth < 1 || endgameRedundancy < 1 || maxUploadQueue < 1 || maxReadsPerPeer < 1
                    || maxConnections < 1 || targetConnections < 1 || connectionsPerIp < 1 || maxKnownPeers < 1) {
                throw new IllegalArgumentException("queue depths, redundancy and connection limits must be >= 1");
            }
        }
    }

    /**
     * Durations of the connection's life.
     *
     * @param keepAliveInterval  send a keep-alive after this long without sending anything
     * @param idleTimeout        drop a peer that sent nothing for this long
     * @param handshakeTimeout   drop a connection whose handshake has not arrived by then
     * @param requestTimeout     a peer that leaves our requests unanswered this long (while unchoking
     *                           us) loses them: they are requested again, from anyone
     * @param snubTimeout        a peer that unchoked us and holds our requests but sends no block for
     *                           this long is snubbing us: its requests go to others
     * @param resumeSaveInterval how often resume data is saved while pieces are being verified
     * @param idleEviction       a peer idle this long (no block, no interest either way) may be closed
     *                           to make room for a new peer at the connection limit
     */
    public record Timeouts(Duration keepAliveInterval, Duration idleTimeout, Duration handshakeTimeout,
                           Duration requestTimeout, Duration snubTimeout, Duration resumeSaveInterval,
                           Duration idleEviction) {
        public Timeouts {
            if (idleTimeout.compareTo(keepAliveInterval) <= 0) {
                throw new IllegalArgumentException("idle timeout must be longer than the keep-alive interval");
            }
            for (Duration d : new Duration[] {keepAliveInterval, handshakeTimeout, requestTimeout, snubTimeout,
                    resumeSaveInterval, idleEviction}) {
                if (d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("timeouts and intervals must be positive");
                }
            }
        }
    }

    /**
     * The choker (tit-for-tat).
     *
     * @param uploadSlots        regular unchoke slots, besides the optimistic one
     * @param chokeInterval      how often the regular slots are decided again
     * @param optimisticInterval how often the optimistic unchoke moves to another peer
     */
    public record Choking(int uploadSlots, Duration chokeInterval, Duration optimisticInterval) {
        public Choking {
            if (uploadSlots < 1) {
                throw new IllegalArgumentException("upload slots must be >= 1");
            }
            if (chokeInterval.isNegative() || chokeInterval.isZero() || optimisticInterval.compareTo(chokeInterval) < 0) {
                throw new IllegalArgumentException("the choke interval must be positive, the optimistic one at"
                        + " least the choke one");
            }
        }
    }

    /**
     * Bytes per second for this torrent, 0 for unlimited.
     */
    public record Rates(long upload, long download) {
        public Rates {
            if (upload < 0 || download < 0) {
                throw new IllegalArgumentException("rates must be >= 0");
            }
        }
    }

    public EngineOptions {
        if (limits == null || timeouts == null || choking == null || rates == null) {
            throw new IllegalArgumentException("every group of engine options is required");
        }
    }

    /**
     * The defaults; {@code -Denjambre.requestQueueDepth=N} and {@code -Denjambre.maxReadsPerPeer=N}
     * override two of them, for the benchmark that measures how deep a pipeline fills a link.
     */
    public static EngineOptions defaults() {
        return new EngineOptions(
                new Limits(Integer.getInteger("enjambre.requestQueueDepth", DEFAULT_REQUEST_QUEUE_DEPTH),
                        DEFAULT_ENDGAME_REDUNDANCY, DEFAULT_MAX_UPLOAD_QUEUE,
                        Integer.getInteger("enjambre.maxReadsPerPeer", DEFAULT_MAX_READS_PER_PEER),
                        DEFAULT_MAX_CONNECTIONS, DEFAULT_TARGET_CONNECTIONS, DEFAULT_CONNECTIONS_PER_IP,
                        DEFAULT_MAX_KNOWN_PEERS),
                new Timeouts(DEFAULT_KEEP_ALIVE_INTERVAL, DEFAULT_IDLE_TIMEOUT, DEFAULT_HANDSHAKE_TIMEOUT,
                        DEFAULT_REQUEST_TIMEOUT, DEFAULT_SNUB_TIMEOUT, DEFAULT_RESUME_SAVE_INTERVAL,
                        DEFAULT_IDLE_EVICTION),
                new Choking(DEFAULT_UPLOAD_SLOTS, DEFAULT_CHOKE_INTERVAL, DEFAULT_OPTIMISTIC_INTERVAL),
                new Rates(0, 0));
    }

    public EngineOptions with(Limits l) {
        return new EngineOptions(l, timeouts, choking, rates);
    }

    public EngineOptions with(Timeouts t) {
        return new EngineOptions(limits, t, choking, rates);
    }

    public EngineOptions with(Choking c) {
        return new EngineOptions(limits, timeouts, c, rates);
    }

    public EngineOptions with(Rates r) {
        return new EngineOptions(limits, timeouts, choking, r);
    }

    public EngineOptions withUploadRate(long bytesPerSecond) {
        return with(new Rates(bytesPerSecond, rates.download()));
    }

    public EngineOptions withDownloadRate(long bytesPerSecond) {
        return with(new Rates(rates.upload(), bytesPerSecond));
    }

    public EngineOptions withTimeouts(Duration keepAlive, Duration idle) {
        Timeouts t = timeouts;
        return with(new Timeouts(keepAlive, idle, t.handshakeTimeout(), t.requestTimeout(), t.snubTimeout(),
                t.resumeSaveInterval(), t.idleEviction()));
    }

    public EngineOptions withRequestTimeout(Duration timeout) {
        Timeouts t = timeouts;
        return with(new Timeouts(t.keepAliveInterval(), t.idleTimeout(), t.handshakeTimeout(), timeout,
                t.snubTimeout(), t.resumeSaveInterval(), t.idleEviction()));
    }

    public EngineOptions withResumeSaveInterval(Duration interval) {
        Timeouts t = timeouts;
        return with(new Timeouts(t.keepAliveInterval(), t.idleTimeout(), t.handshakeTimeout(), t.requestTimeout(),
                t.snubTimeout(), interval, t.idleEviction()));
    }

    public EngineOptions withRequestQueueDepth(int depth) {
        Limits l = limits;
        return with(new Limits(depth, l.endgameRedundancy(), l.maxUploadQueue(), l.maxReadsPerPeer(),
                l.maxConnections(), l.targetConnections(), l.connectionsPerIp(), l.maxKnownPeers()));
    }

    public EngineOptions withTargetConnections(int target) {
        Limits l = limits;
        return with(new Limits(l.requestQueueDepth(), l.endgameRedundancy(), l.maxUploadQueue(), l.maxReadsPerPeer(),
                l.maxConnections(), target, l.connectionsPerIp(), l.maxKnownPeers()));
    }

    /** The choker's durations (tests shorten them), its number of regular slots, and the snub timeout. */
    public EngineOptions withChoking(int slots, Duration choke, Duration optimistic, Duration snub) {
        Timeouts t = timeouts;
        return new EngineOptions(limits, new Timeouts(t.keepAliveInterval(), t.idleTimeout(), t.handshakeTimeout(),
                t.requestTimeout(), snub, t.resumeSaveInterval(), t.idleEviction()),
                new Choking(slots, choke, optimistic), rates);
    }

    // Each setting by name, for the engine's components.

    public int requestQueueDepth() {
        return limits.requestQueueDepth();
    }

    public int endgameRedundancy() {
        return limits.endgameRedundancy();
    }

    public int maxUploadQueue() {
        return limits.maxUploadQueue();
    }

    public int maxReadsPerPeer() {
        return limits.maxReadsPerPeer();
    }

    public int maxConnections() {
        return limits.maxConnections();
    }

    public int targetConnections() {
        return limits.targetConnections();
    }

    public Duration keepAliveInterval() {
        return timeouts.keepAliveInterval();
    }

    public Duration idleTimeout() {
        return timeouts.idleTimeout();
    }

    public Duration handshakeTimeout() {
        return timeouts.handshakeTimeout();
    }

    public Duration requestTimeout() {
        return timeouts.requestTimeout();
    }

    public Duration snubTimeout() {
        return timeouts.snubTimeout();
    }

    public Duration resumeSaveInterval() {
        return timeouts.resumeSaveInterval();
    }

    public int uploadSlots() {
        return choking.uploadSlots();
    }

    public Duration chokeInterval() {
        return choking.chokeInterval();
    }

    public Duration optimisticInterval() {
        return choking.optimisticInterval();
    }

    public long uploadRate() {
        return rates.upload();
    }

    public long downloadRate() {
        return rates.download();
    }
}
