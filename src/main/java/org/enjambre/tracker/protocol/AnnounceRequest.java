package org.enjambre.tracker.protocol;

import java.util.Arrays;
import java.util.Objects;

/**
 * One announce, as a client sends it and a tracker reads it (BEP 3; the same fields travel in a
 * BEP 15 packet): the client builds it and {@link AnnounceCodec#announceUrl} makes it a URL query;
 * the tracker gets it back from {@link AnnounceParser}. The address the peer is registered with is
 * not part of it: the tracker takes it from the connection ({@link ReceivedAnnounce}).
 *
 * @param infoHash  the 20-byte SHA-1 of the torrent's info dictionary
 * @param peerId    the announcing peer's 20-byte id
 * @param port      the TCP port the peer accepts connections on, 1..65535
 * @param stats     uploaded, downloaded, left
 * @param event     the announce event ({@link AnnounceEvent#NONE} for a regular one)
 * @param numwant   how many peers are asked for (0 for none, e.g. on {@code stopped}); a tracker
 *                  has already defaulted and capped it
 * @param key       a random per-session token that lets the tracker recognise a client across IP
 *                  changes, or {@code null}
 * @param trackerId the {@code tracker id} this tracker gave earlier, or {@code null}
 */
public record AnnounceRequest(byte[] infoHash, byte[] peerId, int port, TransferStats stats,
                              AnnounceEvent event, int numwant, String key, String trackerId) {
    /** Length of an info-hash and of a peer id, in bytes. */
    public static final int HASH_LENGTH = 20;

    public AnnounceRequest {
        Objects.requireNonNull(infoHash, "infoHash");
        Objects.requireNonNull(peerId, "peerId");
        Objects.requireNonNull(stats, "stats");
        Objects.requireNonNull(event, "event");
        if (infoHash.length != HASH_LENGTH) {
            throw new IllegalArgumentException("info-hash must be " + HASH_LENGTH + " bytes, not " + infoHash.length);
        }
        if (peerId.length != HASH_LENGTH) {
            throw new IllegalArgumentException("peer id must be " + HASH_LENGTH + " bytes, not " + peerId.length);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535, not " + port);
        }
        if (numwant < 0) {
            throw new IllegalArgumentException("numwant must not be negative: " + numwant);
        }
        infoHash = infoHash.clone();
        peerId = peerId.clone();
    }

    /** The info-hash as 40 lowercase hex digits (the registry's key). */
    public String infoHashHex() {
        return java.util.HexFormat.of().formatHex(infoHash);
    }

    /** The info-hash as a map key (no copy of the array, no hex): what the allow-list and the registry look up. */
    public InfoHash infoHashKey() {
        return InfoHash.of(infoHash, 0);
    }

    public boolean seeder() {
        return stats.left() == 0;
    }

    @Override
    public byte[] infoHash() {
        return infoHash.clone();
    }

    @Override
    public byte[] peerId() {
        return peerId.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AnnounceRequest r && Arrays.equals(infoHash, r.infoHash) && Arrays.equals(peerId, r.peerId)
                && port == r.port && stats.equals(r.stats) && event == r.event && numwant == r.numwant
                && Objects.equals(key, r.key) && Objects.equals(trackerId, r.trackerId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(infoHash), Arrays.hashCode(peerId), port, stats, event, numwant, key, trackerId);
    }

    @Override
    public String toString() {
        return "AnnounceRequest[port=" + port + ", " + stats + ", event=" + event + ", numwant=" + numwant + "]";
    }
}
