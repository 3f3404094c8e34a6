package org.enjambre.tracker.protocol;

/**
 * A swarm's counts: {@code complete} seeders, {@code incomplete} leechers, and {@code downloaded}
 * (how many peers announced {@code completed}, each once).
 */
public record SwarmStats(int complete, int incomplete, long downloaded) {
    public static final SwarmStats EMPTY = new SwarmStats(0, 0, 0);
}
