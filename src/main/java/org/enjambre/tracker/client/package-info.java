/**
 * Tracker client (BEP 3, BEP 23 compact peers, BEP 7 {@code peers6}, BEP 12 announce-list, BEP 15 UDP).
 *
 * <p>What the peer side uses, from the outside in:
 * <ul>
 *   <li>{@link org.enjambre.tracker.client.Announcer}: the lifecycle of one torrent's announces
 *       ({@code started}, periodic re-announces honouring {@code interval}/{@code min interval},
 *       {@code completed} once, {@code stopped} with a bounded wait), handing the peers of each
 *       answer to a callback and reading the true uploaded/downloaded/left from a supplier
 *       ({@code discovery.TrackerSource} wraps it as a peer source).</li>
 *   <li>{@link org.enjambre.tracker.client.TrackerClient}: one announce over the BEP 12 tiers with
 *       failover, each URL through the {@link org.enjambre.tracker.client.TrackerTransport} of its
 *       scheme: {@link org.enjambre.tracker.client.HttpTransport} for HTTP(S),
 *       {@link org.enjambre.tracker.client.UdpTransport} for {@code udp://} (BEP 15) over a
 *       {@link org.enjambre.tracker.client.UdpTrackerSocket}, the node's shared one or its own.</li>
 *   <li>{@link org.enjambre.tracker.client.TrackerTiers}: the tracker list (tiers plus the single
 *       {@code announce} fallback), shuffled once as BEP 12 says; URLs no transport serves are
 *       skipped with a log line.</li>
 * </ul>
 * The codec (announce URL, answer parse) is pure and lives in {@code tracker.protocol}; Vert.x
 * appears only here.
 */
package org.enjambre.tracker.client;
