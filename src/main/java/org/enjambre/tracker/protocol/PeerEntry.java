package org.enjambre.tracker.protocol;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import org.enjambre.net.PeerAddress;

/**
 * A peer as a tracker answer lists it: its address and, in the dictionary model (BEP 3) only,
 * its peer id. A dictionary answer may give a host name for the address: it stays a name
 * (nothing here asks DNS).
 *
 * @param address where the peer listens
 * @param peerId  20 raw bytes, or {@code null} when unknown (compact answers, {@code no_peer_id})
 */
public record PeerEntry(PeerAddress address, byte[] peerId) {
    public PeerEntry {
        Objects.requireNonNull(address, "address");
    }

    /** A peer known by its address only. */
    public static PeerEntry of(PeerAddress address) {
        return new PeerEntry(address, null);
    }

    /** The peer id, if the answer carried one. */
    public Optional<byte[]> peerIdIfKnown() {
        return Optional.ofNullable(peerId).map(byte[]::clone);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerEntry p && address.equals(p.address) && Arrays.equals(peerId, p.peerId);
    }

    @Override
    public int hashCode() {
        return address.hashCode() * 31 + Arrays.hashCode(peerId);
    }

    @Override
    public String toString() {
        return "PeerEntry[" + address + (peerId == null ? "" : ", peerId=" + HexFormat.of().formatHex(peerId)) + "]";
    }
}
