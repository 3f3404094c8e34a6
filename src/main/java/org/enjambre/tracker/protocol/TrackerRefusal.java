package org.enjambre.tracker.protocol;

/**
 * A request the tracker will not serve. Its message is the {@code failure reason} the client sees
 * (BEP 3: an HTTP 200 answer whose bencoded dictionary holds only {@code failure reason}).
 */
public final class TrackerRefusal extends Exception {
    public TrackerRefusal(String reason) {
        super(reason, null, false, false);
    }

    public String reason() {
        return getMessage();
    }
}
