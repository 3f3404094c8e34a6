package org.enjambre.tracker.protocol;

/** Something went wrong talking to a tracker; the message says what, and which tracker when known. */
public class TrackerException extends RuntimeException {
    public TrackerException(String message) {
        super(message);
    }

    public TrackerException(String message, Throwable cause) {
        super(message, cause);
    }
}
