package org.enjambre.tracker.client;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.enjambre.tracker.protocol.TrackerException;

/** Every tracker of every tier failed (or there was none); the message lists each URL (redacted) and why. */
public class AllTrackersFailedException extends TrackerException {
    private final Map<String, Throwable> failures;

    public AllTrackersFailedException(Map<String, Throwable> failures) {
        super(failures.isEmpty()
                ? "no http://, https:// or udp:// tracker to announce to"
                : "every tracker failed: " + failures.entrySet().stream()
                        .map(e -> TrackerTiers.redact(e.getKey()) + " (" + describe(e.getValue()) + ")")
                        .collect(Collectors.joining("; ")));
        this.failures = Map.copyOf(failures);
        failures.values().forEach(this::addSuppressed);
    }

    /** Why each tracker failed, by announce URL. */
    public Map<String, Throwable> failures() {
        return failures;
    }

    /** The URLs that were tried, in no particular order. */
    public List<String> urls() {
        return List.copyOf(failures.keySet());
    }

    static String describe(Throwable t) {
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
    }
}
