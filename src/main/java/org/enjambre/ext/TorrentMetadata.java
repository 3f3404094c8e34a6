package org.enjambre.ext;

import io.vertx.core.Future;
import java.util.Optional;
import org.enjambre.metainfo.InfoHash;
import org.enjambre.swarm.EngineClock;
import org.enjambre.wire.ext.MetadataMessage;

/**
 * One torrent's info dictionary as ut_metadata (BEP 9) sees it: the exact bytes once they are known,
 * served to peers in 16 KiB pieces; while they are not (a magnet link), a {@link MetadataFetch} that
 * assembles them from peers and hands them over only once their SHA-1 is the info-hash. Register it
 * with {@link #register(ExtensionRegistry)}; every connection then gets its {@link MetadataExtension}.
 *
 * <p>Not thread-safe: used on the torrent's context only.
 */
public final class TorrentMetadata {
    private final InfoHash infoHash;
    private final EngineClock clock;
    private final MetadataFetch fetch;
    private byte[] infoBytes;

    private TorrentMetadata(InfoHash infoHash, byte[] infoBytes, EngineClock clock, MetadataFetch fetch) {
        this.infoHash = infoHash;
        this.infoBytes = infoBytes;
        this.clock = clock;
        this.fetch = fetch;
    }

    /** A torrent whose info dictionary we have: it is served to whoever asks. */
    public static TorrentMetadata known(byte[] infoBytes, EngineClock clock) {
        if (infoBytes.length == 0 || infoBytes.length > MetadataMessage.MAX_METADATA_SIZE) {
            throw new IllegalArgumentException("info dictionary of " + infoBytes.length + " bytes cannot be served");
        }
        return new TorrentMetadata(InfoHash.ofInfoBytes(infoBytes), infoBytes.clone(), clock, null);
    }

    /** A torrent known by its info-hash only: the info dictionary is fetched from peers. */
    public static TorrentMetadata fetching(InfoHash infoHash, EngineClock clock) {
        return fetching(infoHash, clock, MetadataFetch.MAX_METADATA_SIZE);
    }

    /** As {@link #fetching(InfoHash, EngineClock)}, refusing any peer whose metadata is larger than {@code maxSize}. */
    public static TorrentMetadata fetching(InfoHash infoHash, EngineClock clock, long maxSize) {
        TorrentMetadata[] self = new TorrentMetadata[1];
        MetadataFetch fetch = new MetadataFetch(infoHash, clock, maxSize, bytes -> self[0].infoBytes = bytes);
        self[0] = new TorrentMetadata(infoHash, null, clock, fetch);
        return self[0];
    }

    /** Adds ut_metadata to a torrent's extensions; returns the local id peers send it under. */
    public int register(ExtensionRegistry registry) {
        return registry.register(MetadataMessage.NAME, channel -> new MetadataExtension(this, channel));
    }

    public InfoHash infoHash() {
        return infoHash;
    }

    /** The exact info dictionary, once known (from the start, or fetched and hash-checked). */
    public Optional<byte[]> infoBytes() {
        return Optional.ofNullable(infoBytes);
    }

    /** Size of the info dictionary if known, for {@code metadata_size}. */
    int size() {
        return infoBytes == null ? 0 : infoBytes.length;
    }

    /** Piece {@code piece} of the info dictionary, or null if we don't have it or there is no such piece. */
    byte[] piece(int piece) {
        if (infoBytes == null || piece < 0 || piece >= MetadataMessage.pieceCount(infoBytes.length)) {
            return null;
        }
        int from = piece * MetadataMessage.PIECE_LENGTH;
        int to = Math.min(infoBytes.length, from + MetadataMessage.PIECE_LENGTH);
        return java.util.Arrays.copyOfRange(infoBytes, from, to);
    }

    /** The fetch, for a torrent that started from a magnet link. */
    public Optional<MetadataFetch> fetch() {
        return Optional.ofNullable(fetch);
    }

    /** Completes with the hash-checked info dictionary (at once when it was known from the start). */
    public Future<byte[]> completion() {
        return fetch == null ? Future.succeededFuture(infoBytes.clone()) : fetch.completion();
    }

    /** Stops fetching (its timer ends); what is known stays. */
    public void stop() {
        if (fetch != null) {
            fetch.stop();
        }
    }

    EngineClock clock() {
        return clock;
    }
}
