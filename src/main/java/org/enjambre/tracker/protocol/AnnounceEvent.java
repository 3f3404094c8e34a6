package org.enjambre.tracker.protocol;

/**
 * The {@code event} of an announce (BEP 3), the same on both sides: the client sends it, the
 * server parses it. {@link #NONE} is a regular re-announce and sends no {@code event}. The order
 * of the constants is stored (the registry's serialized announce carries the ordinal): append only.
 */
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

    /** Reads the query value; absent, empty and {@code paused} (BEP 21) are a regular update. */
    public static AnnounceEvent parse(String value) throws TrackerRefusal {
        if (value == null || value.isEmpty() || value.equals("paused")) {
            return NONE;
        }
        return switch (value) {
            case "started" -> STARTED;
            case "completed" -> COMPLETED;
            case "stopped" -> STOPPED;
            default -> throw new TrackerRefusal("invalid event: must be started, completed, stopped or empty");
        };
    }
}
