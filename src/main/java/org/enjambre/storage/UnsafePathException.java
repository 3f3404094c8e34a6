package org.enjambre.storage;

import java.io.IOException;

/**
 * A file of a torrent would land outside the download folder (a crafted path, or a symbolic link
 * inside the folder that points elsewhere). Nothing was created or written.
 */
public final class UnsafePathException extends IOException {
    public UnsafePathException(String message) {
        super(message);
    }
}
