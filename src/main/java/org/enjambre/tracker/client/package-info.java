/**
 * HTTP tracker client (BEP 3, BEP 23 compact peers, BEP 7 {@code peers6}, BEP 12 announce-list).
 *
 * <p>What the peer engine uses, from the outside in:
 * <ul>
 *   <li>{@link org.enjambre.tracker.client.Announcer}: the lifecycle of one torrent's announces
 *       ({@code started}, periodic re-announces honouring {@code interval}/{@code min interval},
 *       {@code completed} once, {@code stopped} with a bounded wait), handing new peers to a
 *       callback and reading the true uploaded/downloaded/left from a supplier.</li>
 *   <li>{@link org.enjambre.tracker.client.TrackerClient}: one announce over the BEP 12 tiers with
 *       failover, on Vert.x's HTTP client.</li>
 *   <li>{@link org.enjambre.tracker.client.TrackerTiers}: the tracker list (tiers plus the single
 *       {@code announce} fallback), shuffled once as BEP 12 says, HTTP(S) URLs only.</li>
 *   <li>{@link org.enjambre.tracker.client.AnnounceCodec}: the pure codec: the announce URL's query
 *       and the parse of the bencoded answer, with named limits and clear refusals.</li>
 * </ul>
 * The codec is a pure function of bytes; Vert.x appears only in {@code TrackerClient} and
 * {@code Announcer}.
 */
package org.enjambre.tracker.client;
