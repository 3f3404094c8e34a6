/**
 * Verticles that compose the rooms: the peer verticle hosts torrent engines on one listening port
 * (later the tracker and web verticles). A verticle wires; it does not compute.
 */
package org.enjambre.node;
