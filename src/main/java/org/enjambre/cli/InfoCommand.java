package org.enjambre.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import org.enjambre.metainfo.Info;
import org.enjambre.metainfo.MagnetUri;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.metainfo.TorrentFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code enjambre info}: what a {@code .torrent} holds, for people or (with {@code --json}) for scripts. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Show what a .torrent holds: name, info-hash, pieces, size, files, trackers, magnet link.",
                "With --json, one JSON object on one line."})
final class InfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE.torrent", description = "The torrent to read.")
    Path file;

    @Option(names = "--json", description = "Print one JSON object (name, infoHash, pieceLength, pieces, length, files, trackers, magnet, ...).")
    boolean json;

    @Mixin
    VerboseOption verbose;

    @Override
    public Integer call() throws IOException {
        Metainfo m = Metainfo.read(file);
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? toJson(m).encode() : toText(m));
        out.flush();
        return 0;
    }

    /** The JSON form; field names are a contract for scripts (and the REST API uses the same). */
    static JsonObject toJson(Metainfo m) {
        Info info = m.info();
        JsonArray files = new JsonArray();
        for (TorrentFile f : info.files()) {
            files.add(new JsonObject().put("path", f.joinedPath()).put("length", f.length()));
        }
        JsonArray tiers = new JsonArray();
        for (List<String> tier : m.trackerTiers()) {
            tiers.add(new JsonArray(List.copyOf(tier)));
        }
        return new JsonObject()
                .put("name", info.name())
                .put("infoHash", m.infoHash().hex())
                .put("pieceLength", info.pieceLength())
                .put("pieces", info.pieceCount())
                .put("length", info.totalLength())
                .put("multiFile", info.multiFile())
                .put("private", info.isPrivate())
                .put("files", files)
                .put("trackers", new JsonArray(List.copyOf(m.trackers())))
                .put("trackerTiers", tiers)
                .put("webSeeds", new JsonArray(List.copyOf(m.urlList())))
                .put("comment", m.comment())
                .put("createdBy", m.createdBy())
                .put("creationDate", m.creationDate())
                .put("magnet", MagnetUri.of(m).toString());
    }

    static String toText(Metainfo m) {
        Info info = m.info();
        StringBuilder sb = new StringBuilder();
        line(sb, "name", info.name());
        line(sb, "info-hash", m.infoHash().hex());
        line(sb, "piece length", info.pieceLength() + " (" + Sizes.human(info.pieceLength()) + ")");
        line(sb, "pieces", String.valueOf(info.pieceCount()));
        line(sb, "total size", info.totalLength() + " bytes (" + Sizes.human(info.totalLength()) + ")");
        line(sb, "private", info.isPrivate() ? "yes" : "no");
        if (m.comment() != null) {
            line(sb, "comment", m.comment());
        }
        if (m.createdBy() != null) {
            line(sb, "created by", m.createdBy());
        }
        if (m.creationDate() != null) {
            line(sb, "creation date", Instant.ofEpochSecond(m.creationDate()).toString());
        }
        List<String> trackers = m.trackers();
        line(sb, "trackers", trackers.isEmpty() ? "(none)" : String.valueOf(trackers.size()));
        for (String t : trackers) {
            sb.append("  ").append(t).append('\n');
        }
        if (!m.urlList().isEmpty()) {
            line(sb, "web seeds", String.valueOf(m.urlList().size()));
            for (String w : m.urlList()) {
                sb.append("  ").append(w).append('\n');
            }
        }
        line(sb, "files", String.valueOf(info.files().size()));
        for (TorrentFile f : info.files()) {
            sb.append(String.format("  %14d  %s%n", f.length(), info.multiFile() ? info.name() + "/" + f.joinedPath() : f.joinedPath()));
        }
        line(sb, "magnet", MagnetUri.of(m).toString());
        return sb.toString().stripTrailing();
    }

    private static void line(StringBuilder sb, String label, String value) {
        sb.append(String.format("%-15s%s%n", label + ":", value));
    }
}
