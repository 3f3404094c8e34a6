/**
 * The tracker room: the HTTP tracker's pure codec (announce and scrape queries parsed from raw
 * bytes, bencoded answers and refusals), the {@link org.enjambre.tracker.PeerRegistry} that holds
 * swarms, and its Hazelcast implementation shared by every tracker node of a cluster.
 * Depends on bencode, Vert.x (futures) and Hazelcast; the verticle that serves HTTP lives in node.
 */
package org.enjambre.tracker;
