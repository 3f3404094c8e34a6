/**
 * Verticles that compose the rooms, and node start-up: the peer verticle hosts torrent engines on
 * one listening port, the tracker verticle serves HTTP announce, scrape and the REST API, the UDP
 * tracker verticle holds the BEP 15 socket, the web
 * verticle serves the dashboard, and {@link org.enjambre.node.TrackerNode} starts Vert.x and
 * Hazelcast alone or as a member of a cluster. A verticle wires; it does not compute.
 */
package org.enjambre.node;
