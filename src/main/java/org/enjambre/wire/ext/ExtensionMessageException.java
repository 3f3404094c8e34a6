package org.enjambre.wire.ext;

/**
 * A peer sent an extension payload we refuse: malformed bencode, a missing key, a value of the wrong
 * type, out of range or over a named limit. The message says which; the caller decides whether the
 * connection survives it.
 */
public final class ExtensionMessageException extends Exception {
    private static final long serialVersionUID = 1L;

    public ExtensionMessageException(String message) {
        super(message);
    }

    public ExtensionMessageException(String message, Throwable cause) {
        super(message, cause);
    }
}
