package org.enjambre.tracker.protocol;

/**
 * The byte counts a peer reports to its tracker (BEP 3): {@code uploaded} and {@code downloaded}
 * since the {@code started} event, and {@code left}, the bytes still missing (0 for a seeder).
 */
public record TransferStats(long uploaded, long downloaded, long left) {
    public TransferStats {
        if (uploaded < 0 || downloaded < 0 || left < 0) {
            throw new IllegalArgumentException("negative transfer counts: uploaded=" + uploaded
                    + " downloaded=" + downloaded + " left=" + left);
        }
    }
}
