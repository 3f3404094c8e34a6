package org.enjambre.web;

import io.vertx.core.Future;
import java.nio.file.Path;
import org.enjambre.metainfo.InfoHash;
import org.enjambre.metainfo.MagnetUri;
import org.enjambre.metainfo.Metainfo;

/** What the web room may ask of the node's torrents: host one, stop one, and how much they weigh. */
public interface TorrentHost {
    /** The folder torrents write into (uploads to seed are laid out there). */
    Path dataDir();

    /** Hosts a parsed torrent ({@code torrent} its exact bytes); fails with {@link ApiError} on a refusal. */
    Future<Added> host(Metainfo metainfo, byte[] torrent);

    /**
     * Hosts a magnet link: its info dictionary is fetched from peers (BEP 9), then it downloads as a
     * {@code .torrent} would; fails with {@link ApiError} on a refusal (409 when already hosted).
     */
    Future<Added> hostMagnet(MagnetUri magnet);

    /** Stops hosting a torrent (its data stays); fails with {@link ApiError} 404 when it is not hosted. */
    Future<Void> remove(InfoHash infoHash);

    /** Total length of the hosted torrents: what the data folder holds or will hold once they complete. */
    long hostedBytes();

    /** A torrent just hosted: what the API answers. */
    record Added(InfoHash infoHash, String name, double progress, boolean complete) {
    }
}
