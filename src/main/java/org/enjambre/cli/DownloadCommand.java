package org.enjambre.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.enjambre.discovery.ManualSource;
import org.enjambre.metainfo.MagnetUri;
import org.enjambre.metainfo.Metainfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code enjambre download}: fetches a torrent into DIR/<name>, verified piece by piece. */
@Command(name = "download", mixinStandardHelpOptions = true,
        description = {"Download a torrent or a magnet link into DIR/<name>, every piece verified with SHA-1.",
                "A magnet's metadata is fetched from its peers (x.pe, --peer, trackers) and saved as DIR/<name>.torrent.",
                "Data already there is checked and kept. Exits 0 when complete (or seeds on with --seed)."})
public final class DownloadCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE.torrent|MAGNET",
            description = "The torrent to download: a .torrent file, or a magnet:?xt=urn:btih:... link (quote it).")
    String torrent;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Download folder.")
    Path out;

    @Option(names = "--port", paramLabel = "N", description = "TCP port for peers (default: any free port).")
    int port;

    @Option(names = "--peer", paramLabel = "HOST:PORT", description = "A peer to connect to (repeatable).")
    List<String> peers = new ArrayList<>();

    @Option(names = "--seed", description = "Keep seeding after the download completes, until SIGINT/SIGTERM.")
    boolean seed;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Give up (exit 1) if not complete by then (a magnet: also if no metadata by then); 0 = never (default).")
    long timeout;

    @Option(names = "--upload-rate", paramLabel = "BYTES_PER_S", description = "Upload limit, 0 for none (default).")
    long uploadRate;

    @Option(names = "--download-rate", paramLabel = "BYTES_PER_S", description = "Download limit, 0 for none (default).")
    long downloadRate;

    @Mixin
    VerboseOption verbose;

    @Mixin
    TrackerPolicyOption trackerPolicy;

    @Mixin
    DhtOptions dhtOptions;

    @Override
    public Integer call() throws Exception {
        ManualSource manual = ManualSource.parse(peers);
        if (uploadRate < 0 || downloadRate < 0 || timeout < 0 || port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be 0..65535, --timeout, --upload-rate and --download-rate >= 0");
        }
        long started = System.nanoTime();
        boolean magnet = torrent.regionMatches(true, 0, "magnet:", 0, "magnet:".length());
        PeerRun magnetRun = null;
        if (magnet) {
            magnetRun = PeerRun.startMagnet(MagnetUri.parse(torrent), out, port, uploadRate, downloadRate,
                    trackerPolicy.policy(), manual, timeout, System.out, dhtOptions.settings("0.0.0.0", null));
            if (magnetRun == null) {
                return 0; // SIGINT/SIGTERM before the metadata came
            }
        }
        Metainfo metainfo = magnet ? magnetRun.engine.metainfo() : Metainfo.read(Path.of(torrent));
        try (PeerRun run = magnet ? magnetRun
                : PeerRun.start(metainfo, out, true, port, uploadRate, downloadRate, trackerPolicy.policy(),
                        dhtOptions.settings("0.0.0.0", null))) {
            run.trapSignals();
            if (!magnet) {
                System.out.println("listening on " + run.port());
                if (run.dhtPort() > 0) {
                    System.out.println("dht on udp " + run.dhtPort());
                }
            }
            System.out.flush();
            var state = run.engine.state();
            System.out.println("pieces present at start: " + state.piecesAtStart() + "/" + state.pieceCount()
                    + " (" + run.recheckOutcome() + ")");
            boolean terminal = System.console() != null;
            if (state.complete()) {
                System.out.println("already complete: " + out.resolve(metainfo.info().name()));
            } else {
                if (!magnet) {
                    run.addPeers(manual); // a magnet's engine has them already, with every other candidate
                }
                PeerRun.Status status = new PeerRun.Status(state, System.out, terminal, "downloading");
                if (!run.awaitCompletion(status, timeout)) {
                    status.finish();
                    return 0; // SIGINT/SIGTERM: stopped cleanly, verified pieces kept
                }
                status.finish();
                double seconds = (System.nanoTime() - started) / 1e9;
                System.out.printf(java.util.Locale.ROOT, "complete: %s (%s in %.1f s, %.1f MB/s)%n",
                        out.resolve(metainfo.info().name()), PeerRun.Status.size(state.totalLength()), seconds,
                        state.totalLength() / seconds / 1e6);
                System.out.printf(java.util.Locale.ROOT,
                        "pieces verified in this run: %d, hash failures %d, peers banned %d, bytes downloaded %d%n",
                        state.piecesVerified(), state.hashFailures(), state.bans(), state.downloaded());
            }
            System.out.flush();
            if (seed) {
                run.awaitSignal(new PeerRun.Status(state, System.out, terminal, "seeding"));
            }
        }
        return 0;
    }
}
