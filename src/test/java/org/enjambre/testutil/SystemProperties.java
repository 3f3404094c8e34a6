package org.enjambre.testutil;

import java.util.concurrent.Callable;

/** A system property set for the length of a call, for tests of code that reads one (e.g. {@code enjambre.sha1}). */
public final class SystemProperties {
    private SystemProperties() {
    }

    /** Runs {@code body} with {@code name} set to {@code value} (cleared if null), then puts back what was there. */
    public static <T> T with(String name, String value, Callable<T> body) throws Exception {
        String before = System.getProperty(name);
        set(name, value);
        try {
            return body.call();
        } finally {
            set(name, before);
        }
    }

    private static void set(String name, String value) {
        if (value == null) {
            System.clearProperty(name);
        } else {
            System.setProperty(name, value);
        }
    }
}
