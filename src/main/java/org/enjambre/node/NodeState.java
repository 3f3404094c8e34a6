package org.enjambre.node;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;
import org.enjambre.metainfo.InfoHash;
import org.enjambre.storage.ResumeData;
import org.enjambre.storage.UnsafePathException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a node keeps its own files (hosted {@code .torrent}s, resume data, uploads in flight):
 * outside the folder torrents write into, so that no torrent can name them. The default is a
 * sibling of the data folder, {@code DATA.enjambre-state}: it follows the data (moving or deleting
 * the workspace takes both; two nodes with different data folders never share one), needs no home
 * folder (containers), and no path inside {@code DATA} reaches it. {@code --state DIR} puts it
 * elsewhere. What an earlier version kept in {@code DATA/.enjambre} is moved here at start.
 */
public final class NodeState {
    private static final Logger LOG = LoggerFactory.getLogger(NodeState.class);
    static final String TORRENTS = "torrents";
    static final String RESUME = "resume";
    static final String UPLOADS = "uploads";
    /** Suffix of the default state folder, beside the data folder. */
    public static final String SUFFIX = ".enjambre-state";

    private NodeState() {
    }

    /** {@code DATA.enjambre-state} beside {@code DATA}. */
    public static Path defaultFolder(Path dataDir) {
        Path data = dataDir.toAbsolutePath().normalize();
        if (data.getParent() == null || data.getFileName() == null) {
            throw new IllegalArgumentException("--data " + data + " has no parent folder to keep the node's state beside it: give --state DIR");
        }
        return data.getParent().resolve(data.getFileName() + SUFFIX);
    }

    /** {@code STATE/resume/<infohash hex>.resume}: where a node keeps the verified pieces of a hosted torrent. */
    public static Path resumeFile(Path stateDir, InfoHash infoHash) {
        return stateDir.resolve(RESUME).resolve(infoHash.hex() + ".resume");
    }

    /** Where uploads are streamed before use. */
    public static Path uploads(Path stateDir) {
        return stateDir.resolve(UPLOADS);
    }

    /**
     * Creates the state folder (owner only), refuses a data folder inside it, empties the uploads
     * left by a crash, and moves the hosted torrents and their resume data from {@code DATA/.enjambre}.
     */
    public static void prepare(Path stateDir, Path dataDir) throws IOException {
        Path state = stateDir.toAbsolutePath().normalize();
        Path data = dataDir.toAbsolutePath().normalize();
        if (data.startsWith(state)) {
            throw new IllegalArgumentException("--data " + data + " lies inside --state " + state + ": give folders apart");
        }
        if (!Files.isDirectory(state)) {
            Files.createDirectories(state);
            try {
                Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
            } catch (UnsupportedOperationException e) {
                // Not POSIX: the folder keeps the platform's default rights.
            }
        }
        Files.createDirectories(state.resolve(TORRENTS));
        Files.createDirectories(state.resolve(RESUME));
        deleteTree(uploads(state));
        Files.createDirectories(uploads(state));
        migrate(data.resolve(ResumeData.FOLDER), state);
    }

    /** Moves {@code old/torrents/*.torrent} and their {@code old/<hash>.resume}; the CLI's other resume files stay. */
    private static void migrate(Path old, Path state) throws IOException {
        Path oldTorrents = old.resolve(TORRENTS);
        if (!Files.isDirectory(oldTorrents, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int moved = 0;
        try (DirectoryStream<Path> list = Files.newDirectoryStream(oldTorrents, "*.torrent")) {
            for (Path torrent : list) {
                String hash = torrent.getFileName().toString().replace(".torrent", "");
                Path target = state.resolve(TORRENTS).resolve(torrent.getFileName());
                if (!Files.isRegularFile(torrent, LinkOption.NOFOLLOW_LINKS) || Files.exists(target)) {
                    continue;
                }
                Files.move(torrent, target, StandardCopyOption.REPLACE_EXISTING);
                Path resume = old.resolve(hash + ".resume");
                if (Files.isRegularFile(resume, LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(resume, state.resolve(RESUME).resolve(resume.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
                moved++;
            }
        }
        deleteTree(old.resolve(UPLOADS));
        deleteIfEmpty(oldTorrents);
        deleteIfEmpty(old);
        if (moved > 0) {
            LOG.info("moved {} hosted torrent(s) and their resume data from {} to {}", moved, old, state);
        }
    }

    /** Refuses a torrent whose content ({@code DATA/<name>}) would hold the state folder or lie inside it. */
    static void checkOutside(Path content, Path stateDir) throws UnsafePathException {
        Path c = real(content.toAbsolutePath().normalize());
        Path s = real(stateDir.toAbsolutePath().normalize());
        if (s.startsWith(c) || c.startsWith(s)) {
            throw new UnsafePathException("the torrent's content " + content + " would reach the node's state folder " + stateDir);
        }
    }

    /** The real path of the deepest existing ancestor, with the rest appended: symbolic links resolved. */
    private static Path real(Path p) {
        Path existing = p;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return p;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(p)).normalize();
        } catch (IOException e) {
            return p;
        }
    }

    private static void deleteIfEmpty(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            if (list.findAny().isEmpty()) {
                Files.delete(dir);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // Already gone.
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
