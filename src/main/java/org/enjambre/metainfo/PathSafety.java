package org.enjambre.metainfo;

import java.util.List;

/**
 * Checks the path components of a torrent's files before anything is created on disk, so that a
 * hostile torrent cannot write outside the download folder.
 */
public final class PathSafety {
    private PathSafety() {
    }

    /** Refuses {@code ..}, {@code .}, empty components, separators, NUL and drive letters. */
    public static void checkComponents(List<String> components, String where) {
        if (components.isEmpty()) {
            throw new MetainfoException("unsafe path in " + where + ": empty path");
        }
        for (String c : components) {
            checkComponent(c, where);
        }
    }

    public static void checkComponent(String c, String where) {
        String reason = null;
        if (c.isEmpty()) {
            reason = "empty path component";
        } else if (c.equals(".") || c.equals("..")) {
            reason = "path component \"" + c + "\"";
        } else if (c.indexOf('/') >= 0 || c.indexOf('\\') >= 0) {
            reason = "path separator inside component \"" + c + "\"";
        } else if (c.indexOf('\0') >= 0) {
            reason = "NUL inside a path component";
        } else if (c.length() >= 2 && c.charAt(1) == ':' && Character.isLetter(c.charAt(0))) {
            reason = "drive letter in \"" + c + "\"";
        }
        if (reason != null) {
            throw new MetainfoException("unsafe path in " + where + ": " + reason);
        }
    }
}
