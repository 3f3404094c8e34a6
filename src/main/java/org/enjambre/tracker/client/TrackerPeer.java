package org.enjambre.tracker.client;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * A peer a tracker told us about. The address is resolved (an IP literal) for compact answers and
 * for dictionary answers that give an IP; a dictionary answer may give a DNS name instead (BEP 3
 * allows it), which stays <em>unresolved</em> ({@link InetSocketAddress#isUnresolved()}) so that
 * nothing here blocks on DNS: connect with {@code getHostString()} and {@code getPort()}.
 * The peer id is known only from the dictionary model.
 */
public record TrackerPeer(InetSocketAddress address, byte[] peerId) {
    public TrackerPeer {
        Objects.requireNonNull(address, "address");
        peerId = peerId == null ? null : peerId.clone();
    }

    public static TrackerPeer of(InetSocketAddress address) {
        return new TrackerPeer(address, null);
    }

    /** The peer id from a dictionary-model answer, if the tracker sent one. */
    public Optional<byte[]> peerIdIfKnown() {
        return Optional.ofNullable(peerId).map(byte[]::clone);
    }

    @Override
    public byte[] peerId() {
        return peerId == null ? null : peerId.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrackerPeer p && address.equals(p.address) && Arrays.equals(peerId, p.peerId);
    }

    @Override
    public int hashCode() {
        return address.hashCode() * 31 + Arrays.hashCode(peerId);
    }

    @Override
    public String toString() {
        return "TrackerPeer[" + address + (peerId == null ? "" : ", peerId=" + HexFormat.of().formatHex(peerId)) + "]";
    }
}
