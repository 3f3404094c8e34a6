package org.enjambre.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.enjambre.metainfo.Info;
import org.enjambre.metainfo.MagnetUri;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.metainfo.TorrentBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code enjambre create}: hashes a file or a folder and writes its {@code .torrent}. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = {"Make a .torrent from a file or a folder.",
                "Prints the info-hash and the magnet link."})
final class CreateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PATH", description = "The file or folder to share.")
    Path path;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE.torrent",
            description = "Where to write the torrent (refused if it exists, unless --force).")
    Path output;

    @Option(names = {"-t", "--tracker"}, paramLabel = "URL",
            description = "Tracker URL; repeat for several (the first is 'announce', all go in 'announce-list', one tier each).")
    List<String> trackers = new ArrayList<>();

    @Option(names = "--piece-size", paramLabel = "BYTES", converter = Sizes.Converter.class,
            description = "Piece length: a power of two, at least 16384 (suffixes K, M: 256K, 1M). "
                    + "Default: chosen for 1,000-2,000 pieces, 16 KiB to 16 MiB.")
    Long pieceSize;

    @Option(names = "--private", description = "Set the private flag (BEP 27).")
    boolean isPrivate;

    @Option(names = "--comment", paramLabel = "TEXT", description = "A comment stored in the torrent.")
    String comment;

    @Option(names = "--name", paramLabel = "NAME", description = "The torrent's name instead of the file or folder's name.")
    String name;

    @Option(names = "--web-seed", paramLabel = "URL", description = "BEP 19 web seed URL; repeat for several.")
    List<String> webSeeds = new ArrayList<>();

    @Option(names = "--no-date", description = "Leave out the creation date (the same input then gives the same bytes).")
    boolean noDate;

    @Option(names = "--threads", paramLabel = "N", description = "Hashing threads (default: one per core).")
    Integer threads;

    @Option(names = {"-f", "--force"}, description = "Overwrite the output if it exists.")
    boolean force;

    @Mixin
    VerboseOption verbose = new VerboseOption();

    @Override
    public Integer call() throws IOException {
        return create(spec.commandLine().getOut());
    }

    /** Makes the torrent from the options set on this object and reports it on {@code o}; returns the exit code. */
    int create(PrintWriter o) throws IOException {
        Path out = output.toAbsolutePath();
        if (!Files.isDirectory(out.getParent())) {
            throw new NoSuchFileException(out.getParent().toString(), null, "the output's folder does not exist");
        }
        if (Files.exists(out) && !force) {
            throw new FileAlreadyExistsException(output.toString(), null, "already exists (use --force to overwrite)");
        }
        TorrentBuilder builder = TorrentBuilder.forPath(path)
                .trackers(trackers)
                .webSeeds(webSeeds)
                .comment(comment)
                .privateFlag(isPrivate)
                .name(name);
        if (pieceSize != null) {
            if (pieceSize > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("--piece-size " + pieceSize + " is too large");
            }
            builder.pieceLength(pieceSize.intValue());
        }
        if (noDate) {
            builder.creationDate(null);
        }
        if (threads != null) {
            builder.threads(threads);
        }
        Metainfo metainfo = builder.build();

        // Written beside the target and moved into place: a failure never leaves half a torrent.
        Path tmp = writeNew(out, metainfo.encode());
        try {
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }

        Info info = metainfo.info();
        o.println("wrote " + output + ": " + info.files().size() + (info.files().size() == 1 ? " file, " : " files, ")
                + Sizes.human(info.totalLength()) + ", " + info.pieceCount() + " pieces of " + Sizes.human(info.pieceLength()));
        o.println("info-hash: " + metainfo.infoHash().hex());
        o.println("magnet: " + MagnetUri.of(metainfo));
        o.flush();
        return 0;
    }

    /** Most names tried for the file written beside the output before giving up. */
    static final int MAX_TEMPORARY_NAMES = 100;

    /**
     * Writes {@code bytes} to a new hidden file beside {@code out} and returns it. Not
     * {@code Files.createTempFile}: its random name comes from a SecureRandom, whose providers and
     * seeding cost a short create ~10-30 ms; a name from the clock, created only if it does not
     * exist (CREATE_NEW), is as safe against two creates writing one file.
     */
    static Path writeNew(Path out, byte[] bytes) throws IOException {
        return writeNew(out, bytes, Long.toHexString(System.nanoTime()));
    }

    /** {@link #writeNew(Path, byte[])} with the names {@code .NAME.TAG-0.part}, {@code -1}... tried in turn. */
    static Path writeNew(Path out, byte[] bytes, String tag) throws IOException {
        String stem = "." + out.getFileName() + "." + tag;
        for (int attempt = 0; ; attempt++) {
            Path tmp = out.resolveSibling(stem + "-" + attempt + ".part");
            try {
                Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                return tmp;
            } catch (FileAlreadyExistsException e) {
                if (attempt + 1 >= MAX_TEMPORARY_NAMES) {
                    throw e;
                }
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(tmp); // a failed write (disk full) leaves no half file behind
                throw e;
            }
        }
    }
}
