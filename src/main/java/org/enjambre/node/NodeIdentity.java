package org.enjambre.node;

/**
 * Who a node is on the event bus: a fresh id per start (a restarted node is a new publisher; the
 * old one is dropped when it goes silent), the name the operator gave, and its ports.
 */
public record NodeIdentity(String id, String name, String peerId, int peerPort, int webPort) {
}
