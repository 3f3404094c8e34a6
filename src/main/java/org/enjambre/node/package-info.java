/**
 * Verticles that compose the rooms, and node start-up: the tracker verticle (HTTP announce,
 * scrape and the REST API) and {@link org.enjambre.node.TrackerNode}, which starts Vert.x and
 * Hazelcast alone or as a member of a cluster.
 */
package org.enjambre.node;
