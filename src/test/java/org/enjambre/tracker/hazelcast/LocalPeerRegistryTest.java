package org.enjambre.tracker.hazelcast;

/** The registry contract on a lone tracker's in-process registry. */
class LocalPeerRegistryTest extends PeerRegistryContract {

    @Override
    LimitedPeerRegistry registry(TrackerLimits limits) {
        return new LocalPeerRegistry(vertx, TIMEOUT, clock::get, limits);
    }
}
