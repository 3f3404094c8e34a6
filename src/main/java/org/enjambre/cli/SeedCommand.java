package org.enjambre.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.enjambre.discovery.ManualSource;
import org.enjambre.metainfo.Metainfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code enjambre seed}: checks the data, then serves it until SIGINT/SIGTERM. */
@Command(name = "seed", mixinStandardHelpOptions = true,
        description = {"Seed a torrent whose complete data is in DIR/<name>.",
                "Checks every piece first and refuses to seed incomplete data.",
                "Prints 'listening on PORT', seeds until SIGINT/SIGTERM, announces 'stopped' and exits 0."})
public final class SeedCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE.torrent", description = "The torrent to seed.")
    Path torrent;

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "Folder that holds the torrent's content under its name (as download --out writes it).")
    Path data;

    @Option(names = "--port", paramLabel = "N", description = "TCP port for peers (default: any free port).")
    int port;

    @Option(names = "--upload-rate", paramLabel = "BYTES_PER_S", description = "Upload limit, 0 for none (default).")
    long uploadRate;

    @Option(names = "--peer", paramLabel = "HOST:PORT", description = "A peer to connect to (repeatable).")
    List<String> peers = new ArrayList<>();

    @Mixin
    VerboseOption verbose;

    @Mixin
    TrackerPolicyOption trackerPolicy;

    @Mixin
    DhtOptions dhtOptions;

    @Override
    public Integer call() throws Exception {
        ManualSource manual = ManualSource.parse(peers);
        if (uploadRate < 0 || port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be 0..65535 and --upload-rate >= 0");
        }
        Metainfo metainfo = Metainfo.read(torrent);
        try (PeerRun run = PeerRun.start(metainfo, data, false, port, uploadRate, 0, trackerPolicy.policy(),
                dhtOptions.settings("0.0.0.0", null))) {
            var state = run.engine.state();
            if (!state.complete()) {
                int missing = state.pieceCount() - state.verifiedCount();
                List<Path> incomplete = run.storage().incompleteFiles();
                String files = incomplete.isEmpty() ? ""
                        : " (missing or short: " + incomplete.get(0) + (incomplete.size() > 1
                                ? " and " + (incomplete.size() - 1) + " more" : "") + ")";
                throw new IllegalStateException(data.resolve(metainfo.info().name()) + ": " + missing + " of "
                        + state.pieceCount() + " pieces are missing or wrong" + files
                        + "; refusing to seed incomplete data");
            }
            run.trapSignals();
            System.out.println("listening on " + run.port());
            if (run.dhtPort() > 0) {
                System.out.println("dht on udp " + run.dhtPort());
            }
            System.out.flush();
            run.addPeers(manual);
            PeerRun.Status status = new PeerRun.Status(state, System.out, System.console() != null, "seeding");
            run.awaitSignal(status);
            status.finish();
        }
        return 0;
    }
}
