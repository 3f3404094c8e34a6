package org.enjambre.tracker.protocol;

/** A tracker answered something that is not a valid announce answer (not bencode, a bad field...). */
public class TrackerResponseException extends TrackerException {
    public TrackerResponseException(String message) {
        super(message);
    }

    public TrackerResponseException(String message, Throwable cause) {
        super(message, cause);
    }
}
