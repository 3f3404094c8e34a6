package org.enjambre.tracker.protocol;

/** The tracker refused the announce with a bencoded {@code failure reason} (BEP 3). */
public class TrackerFailureException extends TrackerException {
    private final String reason;

    public TrackerFailureException(String reason) {
        super("tracker refused the announce: " + reason);
        this.reason = reason;
    }

    /** The tracker's own words. */
    public String reason() {
        return reason;
    }
}
