package org.enjambre.metainfo;

/** A {@code .torrent} (or magnet link) that cannot be used, with the reason. */
public final class MetainfoException extends RuntimeException {
    public MetainfoException(String message) {
        super(message);
    }

    public MetainfoException(String message, Throwable cause) {
        super(message, cause);
    }
}
