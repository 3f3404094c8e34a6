package org.enjambre.dht;

/**
 * What a DHT node shows on {@code /metrics} and the dashboard: a snapshot, readable from any thread.
 *
 * @param nodes           nodes in the routing table
 * @param goodNodes       of which good (answered within 15 minutes)
 * @param storedTorrents  info-hashes with peers announced to us
 * @param storedPeers     peers announced to us
 * @param lookups         lookups finished since start
 * @param lookupQueries   queries those lookups sent (round trips)
 * @param queriesReceived queries answered
 * @param malformed       packets dropped as not KRPC
 * @param rateLimited     queries dropped by the per-address limit
 * @param badTokens       announce_peer refused for a wrong or stale token
 * @param storeRefused    announce_peer refused because the store was full
 * @param timeouts        our queries that went unanswered
 * @param lookupsInFlight lookups started and not yet finished
 * @param nodesRefused    nodes named in answers that we did not ask ({@link LearntNodes}: scope, our id)
 */
public record DhtStats(int nodes, int goodNodes, int storedTorrents, int storedPeers, long lookups, long lookupQueries,
                       long queriesReceived, long malformed, long rateLimited, long badTokens, long storeRefused,
                       long timeouts, int lookupsInFlight, long nodesRefused) {
    public static final DhtStats EMPTY = new DhtStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** Queries we answered with nothing: over the per-address rate, a wrong token, a full store. */
    public long queriesRefused() {
        return rateLimited + badTokens + storeRefused;
    }
}
