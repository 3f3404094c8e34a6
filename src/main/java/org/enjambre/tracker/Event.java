package org.enjambre.tracker;

/** The {@code event} of an announce (BEP 3). {@code NONE} is a regular update. */
public enum Event {
    NONE, STARTED, COMPLETED, STOPPED;

    /** Reads the query value; {@code paused} (BEP 21) counts as a regular update. */
    static Event parse(String value) throws TrackerRefusal {
        if (value == null || value.isEmpty() || value.equals("paused")) {
            return NONE;
        }
        switch (value) {
            case "started":
                return STARTED;
            case "completed":
                return COMPLETED;
            case "stopped":
                return STOPPED;
            default:
                throw new TrackerRefusal("invalid event: must be started, completed, stopped or empty");
        }
    }
}
