package org.enjambre.tracker.client;

/** The {@code event} of an announce (BEP 3); {@link #NONE} is a regular re-announce and sends no {@code event}. */
public enum AnnounceEvent {
    /** A periodic announce: no {@code event} parameter. */
    NONE(null),
    /** The first announce of a torrent in this session. */
    STARTED("started"),
    /** Sent once, when the download completes (never for a torrent that was complete at start). */
    COMPLETED("completed"),
    /** The torrent is stopping: the tracker may forget this peer at once. */
    STOPPED("stopped");

    private final String wireName;

    AnnounceEvent(String wireName) {
        this.wireName = wireName;
    }

    /** The value of the {@code event} query parameter, or {@code null} for {@link #NONE}. */
    public String wireName() {
        return wireName;
    }
}
