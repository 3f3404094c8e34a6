package org.enjambre.storage;

/**
 * Told how a {@link TorrentStorage#recheck recheck} advances. Called from the recheck's worker
 * threads, possibly concurrently and once per piece, so it must be thread-safe and cheap (e.g. store
 * the numbers in volatile fields and let a timer print them). Calls from different threads may
 * arrive out of order: keep the largest numbers seen. By the time {@code recheck} returns normally,
 * one call has had {@code piecesChecked == pieceCount}.
 */
@FunctionalInterface
public interface RecheckProgress {
    /** Does nothing. */
    RecheckProgress NONE = (checked, valid, total) -> { };

    /**
     * @param piecesChecked pieces decided so far (valid or not)
     * @param piecesValid   of those, the ones whose SHA-1 matched
     * @param pieceCount    pieces in the torrent
     */
    void update(int piecesChecked, int piecesValid, int pieceCount);
}
