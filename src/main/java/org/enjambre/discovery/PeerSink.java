package org.enjambre.discovery;

import org.enjambre.net.PeerAddress;
import org.enjambre.net.PeerOrigin;

/**
 * Takes peer candidates for one torrent: the torrent engine ({@code engine::addPeer}). A sink
 * may be called from any thread and must not block; what it does with a candidate (dial now,
 * later, never) is its business.
 */
@FunctionalInterface
public interface PeerSink {
    void addPeer(PeerAddress address, PeerOrigin origin);
}
