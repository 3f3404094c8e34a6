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

    /**
     * Refuses two files with the same path, and a path that is a file for one entry and a folder
     * for another ({@code a} and {@code a/b}): on disk one would overwrite or block the other.
     */
    public static void checkDistinct(List<TorrentFile> files) {
        java.util.Map<List<String>, Integer> filePaths = new java.util.HashMap<>();
        for (int i = 0; i < files.size(); i++) {
            Integer earlier = filePaths.putIfAbsent(files.get(i).path(), i);
            if (earlier != null) {
                throw new MetainfoException("malformed torrent: files[" + earlier + "] and files[" + i + "] have the same path \""
                        + String.join("/", files.get(i).path()) + "\"");
            }
        }
        for (int i = 0; i < files.size(); i++) {
            List<String> path = files.get(i).path();
            for (int n = 1; n < path.size(); n++) {
                Integer asFile = filePaths.get(path.subList(0, n));
                if (asFile != null) {
                    throw new MetainfoException("malformed torrent: \"" + String.join("/", path.subList(0, n))
                            + "\" is a file (files[" + asFile + "]) and a folder (files[" + i + "])");
                }
            }
        }
    }
}
