package org.enjambre.metainfo;

import java.util.List;

/**
 * The {@code info} dictionary of a v1 torrent: what the swarm shares. Single-file torrents have one
 * {@link TorrentFile} whose path is the name; multi-file torrents put their files under the name.
 *
 * @param name        the suggested file or folder name
 * @param pieceLength bytes per piece (the last piece may be shorter)
 * @param pieceHashes the concatenated 20-byte SHA-1 of every piece
 * @param files       the files in torrent order, with their offsets
 * @param multiFile   whether the torrent has a {@code files} list (a folder)
 * @param isPrivate   BEP 27 {@code private} flag
 */
public record Info(String name, int pieceLength, byte[] pieceHashes, List<TorrentFile> files,
                   boolean multiFile, boolean isPrivate) {
    public static final int HASH_LENGTH = 20;

    public Info {
        files = List.copyOf(files);
        pieceHashes = pieceHashes.clone();
    }

    @Override
    public byte[] pieceHashes() {
        return pieceHashes.clone();
    }

    public int pieceCount() {
        return pieceHashes.length / HASH_LENGTH;
    }

    /**
     * How many pieces {@code totalLength} bytes make in pieces of {@code pieceLength} (the last one
     * may be shorter): what a torrent being made hashes, and what a torrent read must hold.
     */
    public static long pieceCountFor(long totalLength, int pieceLength) {
        return Math.ceilDiv(totalLength, pieceLength);
    }

    /** The expected SHA-1 of piece {@code index}. */
    public byte[] pieceHash(int index) {
        byte[] out = new byte[HASH_LENGTH];
        System.arraycopy(pieceHashes, index * HASH_LENGTH, out, 0, HASH_LENGTH);
        return out;
    }

    /** Whether {@code digest} is the expected SHA-1 of piece {@code index}, without copying. */
    public boolean pieceHashMatches(int index, byte[] digest) {
        return java.util.Arrays.equals(pieceHashes, index * HASH_LENGTH, (index + 1) * HASH_LENGTH,
                digest, 0, HASH_LENGTH);
    }

    public long totalLength() {
        return files.isEmpty() ? 0 : files.get(files.size() - 1).end();
    }

    /** Length of piece {@code index}: the piece length, or less for the last one. */
    public int pieceSize(int index) {
        if (index < 0 || index >= pieceCount()) {
            throw new IndexOutOfBoundsException("piece " + index + " of " + pieceCount());
        }
        long start = (long) index * pieceLength;
        return (int) Math.min(pieceLength, totalLength() - start);
    }

    /** Maps byte ranges of the content to the files that hold them. */
    public FileLayout layout() {
        return new FileLayout(files);
    }
}
