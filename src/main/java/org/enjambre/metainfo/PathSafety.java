package org.enjambre.metainfo;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
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
     * BEP 47 padding files ({@code padding} set) may share a path with each other: they hold only
     * zeros, and hybrid torrents name them by length ({@code .pad/16384}).
     */
    public static void checkDistinct(List<TorrentFile> files, BitSet padding) {
        // Paths joined with NUL, which no checked component holds and which sorts first: a path p
        // used as a folder then sorts right after p itself, so comparing neighbours is enough, and
        // the cost stays linear in the paths' length (comparing every folder prefix as a list is
        // quadratic in a path's depth, and a torrent may nest a path 100,000 deep).
        List<String> joined = new ArrayList<>(files.size());
        List<Integer> order = new ArrayList<>(files.size());
        for (int i = 0; i < files.size(); i++) {
            joined.add(String.join("\0", files.get(i).path()));
            order.add(i);
        }
        order.sort(Comparator.comparing(joined::get)); // stable: equal paths stay in file order
        for (int k = 0; k + 1 < order.size(); k++) {
            int a = order.get(k);
            int b = order.get(k + 1);
            String pa = joined.get(a);
            String pb = joined.get(b);
            if (pa.equals(pb)) {
                if (!(padding.get(a) && padding.get(b))) {
                    throw new MetainfoException("malformed torrent: files[" + a + "] and files[" + b
                            + "] have the same path \"" + files.get(a).joinedPath() + "\"");
                }
            } else if (pb.length() > pa.length() && pb.startsWith(pa) && pb.charAt(pa.length()) == '\0') {
                throw new MetainfoException("malformed torrent: \"" + files.get(a).joinedPath() + "\" is a file (files["
                        + a + "]) and a folder (files[" + b + "])");
            }
        }
    }
}
