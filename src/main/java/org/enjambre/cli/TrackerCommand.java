package org.enjambre.cli;

import com.hazelcast.config.Config;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import org.enjambre.node.TrackerNode;
import org.enjambre.node.TrackerSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code enjambre tracker}: an HTTP tracker node, alone or in a Hazelcast cluster. */
@Command(name = "tracker", mixinStandardHelpOptions = true,
        description = {"Run a BitTorrent tracker: HTTP (announce, scrape, REST API) and, with --udp-port, UDP (BEP 15).",
                "Alone it needs nothing else; with --cluster, nodes share one replicated peer registry",
                "and any node answers any announce. An announce's 'ip' parameter is honoured only",
                "from loopback. Each node also runs a Mainline DHT node (--no-dht to turn it off) whose",
                "get_peers answers and announce_peer stores are the registry's. Stops cleanly on SIGINT/SIGTERM."})
public final class TrackerCommand implements Callable<Integer> {
    private static final Pattern HEX40 = Pattern.compile("[0-9a-fA-F]{40}");

    @Mixin
    VerboseOption verbose;

    @Mixin
    ClusterOptions clusterOptions;

    @Mixin
    DhtOptions dhtOptions;

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "HTTP bind address (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "6969", description = "HTTP port, 0 for any free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--udp-port", description = "also serve the UDP tracker protocol (BEP 15) on this port, 0 for any free one (default: none)")
    Integer udpPort;

    @Option(names = "--interval", defaultValue = "1800", description = "announce interval in seconds; peers expire after twice that (default: ${DEFAULT-VALUE})")
    int interval;

    @Option(names = "--allow-list", description = "file with one hex info-hash a line; other torrents are refused")
    Path allowList;

    @Option(names = "--max-upload", defaultValue = "67108864", description = "largest POST /api/torrents upload in bytes (default: ${DEFAULT-VALUE})")
    long maxUpload;

    @Option(names = "--instances", description = "HTTP verticles sharing the port (default: one per core)")
    Integer instances;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be 0..65535, got " + port);
        }
        if (udpPort != null && (udpPort < 0 || udpPort > 65535)) {
            throw new IllegalArgumentException("--udp-port must be 0..65535, got " + udpPort);
        }
        clusterOptions.check();
        TrackerSettings settings = new TrackerSettings(host, port, interval,
                allowList == null ? null : readAllowList(allowList), maxUpload,
                udpPort == null ? TrackerSettings.UDP_OFF : udpPort);
        Config config = clusterOptions.memberConfig();
        int n = instances != null ? Math.max(1, instances) : Math.max(1, Runtime.getRuntime().availableProcessors());
        CountDownLatch stop = new CountDownLatch(1);
        // Signals are handled (not left to shutdown hooks) so that a requested stop exits 0.
        Signals.onStop(stop::countDown);
        // No state file: a tracker's DHT joins through its cluster and the named nodes each time.
        TrackerNode node = TrackerNode.start(settings, config, n, dhtOptions.settings(host, null));
        System.out.println("tracker listening on " + node.announceUrl()
                + (node.udpAnnounceUrl() != null ? " and " + node.udpAnnounceUrl() : "")
                + (node.dhtPort() > 0 ? ", DHT on UDP port " + node.dhtPort() : ""));
        System.out.flush();
        stop.await();
        node.close();
        System.out.println("tracker stopped");
        return 0;
    }

    /** One hex info-hash a line; blank lines and {@code #} comments are skipped. */
    static Set<String> readAllowList(Path file) throws IOException {
        Set<String> out = new HashSet<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (!HEX40.matcher(line).matches()) {
                throw new IOException(file + " line " + (i + 1) + ": not a 40-character hex info-hash: " + abbreviate(line));
            }
            out.add(line.toLowerCase(Locale.ROOT));
        }
        return out;
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
