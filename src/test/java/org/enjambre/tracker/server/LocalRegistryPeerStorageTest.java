package org.enjambre.tracker.server;

import org.enjambre.tracker.hazelcast.LimitedPeerRegistry;
import org.enjambre.tracker.hazelcast.LocalPeerRegistry;
import org.enjambre.tracker.hazelcast.TrackerLimits;

/** The tracker's DHT storage on a lone tracker's in-process registry: the same answers, caps, tokens and expiry. */
class LocalRegistryPeerStorageTest extends RegistryPeerStorageTest {

    @Override
    LimitedPeerRegistry newRegistry(TrackerLimits limits) {
        return new LocalPeerRegistry(vertx, PEER_TIMEOUT, clock::get, limits);
    }
}
