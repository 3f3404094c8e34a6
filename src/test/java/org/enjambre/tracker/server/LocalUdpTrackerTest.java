package org.enjambre.tracker.server;

import java.time.Duration;
import org.enjambre.tracker.hazelcast.LocalPeerRegistry;
import org.enjambre.tracker.hazelcast.TrackerLimits;

/** The UDP tracker's tests on a lone tracker's in-process registry, whose stage is complete on return. */
class LocalUdpTrackerTest extends UdpTrackerTest {

    @Override
    PeerRegistry newRegistry() {
        return new LocalPeerRegistry(vertx, Duration.ofMinutes(60), clock::get, TrackerLimits.fromHeap());
    }
}
