package org.enjambre.tracker.client;

import org.enjambre.tracker.protocol.TrackerException;

/** The node's {@link AnnouncePolicy} forbids this tracker's address: nothing was sent to it. */
public final class TrackerRefusedException extends TrackerException {
    public TrackerRefusedException(String message) {
        super(message);
    }
}
