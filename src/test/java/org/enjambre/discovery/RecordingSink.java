package org.enjambre.discovery;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.enjambre.net.PeerAddress;
import org.enjambre.net.PeerOrigin;

/** A sink that keeps every candidate it is given, in order, for tests of peer sources. */
final class RecordingSink implements PeerSink {
    record Candidate(PeerAddress address, PeerOrigin origin) {
    }

    final List<Candidate> received = new CopyOnWriteArrayList<>();

    @Override
    public void addPeer(PeerAddress address, PeerOrigin origin) {
        received.add(new Candidate(address, origin));
    }
}
