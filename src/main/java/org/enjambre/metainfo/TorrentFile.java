package org.enjambre.metainfo;

import java.util.List;

/**
 * One file of a torrent: its path inside the torrent (components, already checked safe), its
 * length, and where its bytes start in the torrent's concatenated content.
 */
public record TorrentFile(List<String> path, long length, long offset) {
    public TorrentFile {
        path = List.copyOf(path);
        if (length < 0 || offset < 0) {
            throw new MetainfoException("negative file length or offset");
        }
    }

    /** The path joined with {@code /}. */
    public String joinedPath() {
        return String.join("/", path);
    }

    /** One past the last byte of this file in the torrent's content. */
    public long end() {
        return offset + length;
    }
}
