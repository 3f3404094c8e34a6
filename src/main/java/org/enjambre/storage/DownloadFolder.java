package org.enjambre.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.enjambre.metainfo.MetainfoException;
import org.enjambre.metainfo.PathSafety;

/**
 * The folder a torrent is written to, as a boundary: the paths a torrent names are resolved inside
 * it, and nothing is created or opened through a symbolic link that leads out of it. Paths are
 * checked twice: by name once, when they are resolved (components, then resolve + normalize +
 * prefix), and on disk each time before a file is opened or a folder created, since links may
 * appear after the storage was opened.
 */
final class DownloadFolder {
    private final Path root;

    DownloadFolder(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The folder, absolute and normalized. */
    Path root() {
        return root;
    }

    /**
     * Where the path made of {@code components} lies inside the folder.
     *
     * @param where what the log and the error call the path (a torrent's key, e.g. {@code files[3]})
     * @throws UnsafePathException if a component is unsafe or the path is not strictly inside the folder
     */
    Path resolve(List<String> components, String where) throws UnsafePathException {
        try {
            PathSafety.checkComponents(components, where);
        } catch (MetainfoException e) {
            throw new UnsafePathException(e.getMessage());
        }
        Path p = root;
        for (String c : components) {
            p = p.resolve(c);
        }
        p = p.normalize();
        if (!p.startsWith(root) || p.equals(root)) {
            throw new UnsafePathException("unsafe path in " + where + ": " + String.join("/", components)
                    + " leaves the download folder " + root);
        }
        return p;
    }

    /**
     * Refuses a path whose deepest existing component (the file itself, or the folder it will be
     * created in) really lies outside the folder, i.e. behind a symbolic link that leads out.
     */
    void checkInside(Path p) throws IOException {
        Path realRoot;
        try {
            realRoot = root.toRealPath();
        } catch (NoSuchFileException e) {
            return; // nothing exists inside a folder that does not exist yet
        }
        for (Path q = p; q != null && q.startsWith(root) && !q.equals(root); q = q.getParent()) {
            if (Files.exists(q, LinkOption.NOFOLLOW_LINKS)) {
                Path real;
                try {
                    real = q.toRealPath();
                } catch (IOException e) {
                    throw new UnsafePathException(q + " is a symbolic link that leads nowhere: refusing to write through it");
                }
                if (!real.startsWith(realRoot)) {
                    throw new UnsafePathException(q + " leads to " + real + ", outside the download folder " + realRoot);
                }
                return;
            }
        }
    }
}
