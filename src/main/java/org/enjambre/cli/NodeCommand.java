package org.enjambre.cli;

import com.hazelcast.config.Config;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.enjambre.node.ClusterConfig;
import org.enjambre.node.ClusterRole;
import org.enjambre.node.EnjambreNode;
import org.enjambre.node.NodeSettings;
import org.enjambre.node.NodeState;
import org.enjambre.node.TrackerSettings;
import org.enjambre.tracker.client.Announcer;
import org.enjambre.web.ApiToken;
import org.enjambre.web.WebAccess;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code enjambre node}: the verticles one container runs (peer, web, optionally tracker). */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = {"Run a node: a peer hosting torrents, the dashboard and REST API, with --tracker a tracker.", "A node hosts any number of torrents. Tracker and dashboard nodes started with --cluster share one Hazelcast cluster and one clustered event bus; peer nodes are no members: with --report-to they report their state to the members, and the members' dashboards show the whole swarm. Torrents added to a node are kept in its state folder (--state, outside DATA) and hosted again after a restart.", "The web port listens on 127.0.0.1 unless --web-host says otherwise; every API call that changes something needs the token printed at start (Authorization: Bearer TOKEN). Stops cleanly on SIGINT/SIGTERM."})
public final class NodeCommand implements java.util.concurrent.Callable<Integer> {
    /** Environment variable with the report token when {@code --report-token-file} is not given. */
    static final String REPORT_TOKEN_ENV = "ENJAMBRE_REPORT_TOKEN";
    /** Wait between the early announce retries of {@code --early-announce-retries}. */
    static final long EARLY_RETRY_MILLIS = 250;

    @Mixin
    VerboseOption verbose;

    @Mixin
    TrackerPolicyOption trackerPolicy;

    @Mixin
    ClusterOptions clusterOptions;

    @Mixin
    DhtOptions dhtOptions;

    @Option(names = "--name", description = "name shown on the dashboard (default: host name and web port)")
    String name;

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "bind address of the peer and tracker ports (default: ${DEFAULT-VALUE}); the web port has --web-host")
    String host;

    @Option(names = "--web-host", defaultValue = WebAccess.DEFAULT_HOST, description = "bind address of the dashboard and REST API (default: ${DEFAULT-VALUE}, this machine only; another address opens the node's API to the network, token required for every call)")
    String webHost;

    @Option(names = "--web-allowed-hosts", split = ",", paramLabel = "NAME", description = "host names the web port answers to besides localhost and its addresses (the Host header; against DNS rebinding)")
    java.util.List<String> webAllowedHosts = new java.util.ArrayList<>();

    @Option(names = "--api-token", paramLabel = "TOKEN", description = "bearer token of the REST API (default: $" + ApiToken.ENV + ", else the one kept in ~/.config/enjambre/api-token, made at first start)")
    String apiToken;

    @Option(names = "--data-quota", defaultValue = "" + WebAccess.DEFAULT_DATA_QUOTA, paramLabel = "BYTES", description = "most bytes of hosted torrents plus uploads in flight the REST API lets in (default: ${DEFAULT-VALUE})")
    long dataQuota;

    @Option(names = "--state", paramLabel = "DIR", description = "the node's own files: hosted torrents, resume data, uploads in flight (default: $ENJAMBRE_STATE, else DATA" + NodeState.SUFFIX + " beside the data folder)")
    Path state;

    @Option(names = "--public-host", description = "host name or address other machines reach this node at, used in the tracker's announce URL (default: --host, or 127.0.0.1 for 0.0.0.0)")
    String publicHost;

    @Option(names = "--web-port", defaultValue = "8080", description = "dashboard and REST API port, 0 for any (default: ${DEFAULT-VALUE})")
    int webPort;

    @Option(names = "--peer-port", defaultValue = "0", description = "BitTorrent peer port (default: any free port)")
    int peerPort;

    @Option(names = "--tracker", description = "also run an HTTP tracker")
    boolean tracker;

    @Option(names = "--tracker-port", defaultValue = "6969", description = "tracker HTTP port (default: ${DEFAULT-VALUE})")
    int trackerPort;

    @Option(names = "--tracker-udp-port", description = "with --tracker, also serve the UDP tracker protocol (BEP 15) on this port, 0 for any free one (default: none)")
    Integer trackerUdpPort;

    @Option(names = "--tracker-interval", defaultValue = "1800", description = "announce interval the tracker gives out, seconds (default: ${DEFAULT-VALUE})")
    int trackerInterval;

    @Option(names = "--data", defaultValue = "data", paramLabel = "DIR", description = "torrent data, and nothing else (default: ${DEFAULT-VALUE})")
    Path data;

    @Option(names = "--upload-rate", defaultValue = "0", paramLabel = "BYTES_PER_S", description = "upload limit per torrent, 0 for none (default)")
    long uploadRate;

    @Option(names = "--node-upload-rate", defaultValue = "0", paramLabel = "BYTES_PER_S", description = "upload limit of the whole node, shared by every torrent, 0 for none (default)")
    long nodeUploadRate;

    @Option(names = "--node-download-rate", defaultValue = "0", paramLabel = "BYTES_PER_S", description = "download limit of the whole node, shared by every torrent, 0 for none (default)")
    long nodeDownloadRate;

    @Option(names = "--max-upload", defaultValue = "" + TrackerSettings.DEFAULT_MAX_UPLOAD, description = "largest REST upload in bytes (default: ${DEFAULT-VALUE})")
    long maxUpload;

    @Option(names = "--report-to", paramLabel = "HOST:PORT[,HOST:PORT...]", description = "a peer node that is not a cluster member: report this node's state to these members' report bridges (tried in turn), so that their dashboards show it; needs the report token")
    String reportTo;

    @Option(names = "--report-token-file", paramLabel = "FILE", description = "file holding the report token (default: $" + REPORT_TOKEN_ENV + "); a member derives it from the cluster secret when neither is given")
    Path reportTokenFile;

    @Option(names = "--report-port", defaultValue = "6970", description = "a member's report bridge port on --host, where peer nodes report, 0 for any (default: ${DEFAULT-VALUE})")
    int reportPort;

    @Option(names = "--torrent", paramLabel = "FILE.torrent", description = "host this torrent from the start (repeatable): data already under --data is checked and seeded, the rest downloaded; kept like torrents added through the REST API")
    java.util.List<Path> torrents = new java.util.ArrayList<>();

    @Option(names = "--stop-on-stdin-close", hidden = true,
            description = "stop when standard input closes: a parent that starts nodes (enjambre demo) takes them with it even if it is killed")
    boolean stopOnStdinClose;

    @Option(names = "--early-announce-retries", hidden = true, defaultValue = "0", paramLabel = "COUNT",
            description = "until a tracker has answered once, retry a failed announce every " + EARLY_RETRY_MILLIS
                    + " ms up to COUNT times before the usual back-off: for nodes started together with their trackers (enjambre demo)")
    int earlyAnnounceRetries;

    @Override
    public Integer call() throws Exception {
        clusterOptions.check();
        if (earlyAnnounceRetries < 0 || earlyAnnounceRetries > Announcer.Options.MAX_START_RETRIES) {
            throw new IllegalArgumentException("--early-announce-retries must be 0.." + Announcer.Options.MAX_START_RETRIES);
        }
        if (trackerInterval < 1) {
            throw new IllegalArgumentException("--tracker-interval must be at least 1 second");
        }
        String nodeName = name != null ? name : InetAddress.getLocalHost().getHostName() + ":" + webPort;
        String stateFromEnv = System.getenv("ENJAMBRE_STATE");
        Path stateDir = state != null ? state : stateFromEnv != null && !stateFromEnv.isBlank() ? Path.of(stateFromEnv) : null;
        // Checked with a throwaway token first: a bad option must not create a token file.
        java.util.Set<String> allowed = new java.util.HashSet<>(webAllowedHosts);
        NodeSettings settings = new NodeSettings(nodeName, host, webPort, peerPort, tracker, trackerPort,
                trackerInterval, data, uploadRate, maxUpload, publicHost, nodeUploadRate, nodeDownloadRate,
                new WebAccess(webHost, ApiToken.generate(), allowed, dataQuota), stateDir,
                trackerUdpPort == null ? TrackerSettings.UDP_OFF : trackerUdpPort);
        ClusterRole role = role();
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onStop(stop::countDown);
        if (stopOnStdinClose) {
            Thread watch = new Thread(() -> {
                try {
                    while (System.in.read() >= 0) {
                        // nothing is expected on stdin; only its end matters
                    }
                } catch (java.io.IOException ignored) {
                    // a broken pipe is an end too
                }
                stop.countDown();
            }, "stdin-watch");
            watch.setDaemon(true);
            watch.start();
        }
        java.util.List<byte[]> torrentBytes = new java.util.ArrayList<>();
        for (Path t : torrents) {
            // Read before starting, so that a missing file is a clear error and not a half-started node.
            torrentBytes.add(java.nio.file.Files.readAllBytes(t));
        }
        String token = ApiToken.resolve(apiToken, System.getenv(), ApiToken.defaultFile(System.getenv()));
        WebAccess web = new WebAccess(webHost, token, allowed, dataQuota);
        settings = settings.withWeb(web);
        EnjambreNode node = EnjambreNode.start(settings, role, trackerPolicy.policy(), dhtOptions.settings(host, null),
                Announcer.Options.defaults().withStartRetries(earlyAnnounceRetries, java.time.Duration.ofMillis(EARLY_RETRY_MILLIS)));
        try {
            for (int i = 0; i < torrentBytes.size(); i++) {
                host(node, torrents.get(i), torrentBytes.get(i));
            }
        } catch (Exception e) {
            node.close();
            throw e;
        }
        // The token rides in the fragment: the browser never sends it, the page keeps it for the tab.
        System.out.println("node " + nodeName + ": dashboard on " + dashboardUrl(web, node.webPort()) + "#token=" + token
                + " , peers on port "
                + node.peerPort() + (node.announceUrl() != null ? ", tracker " + node.announceUrl() : "")
                + (node.reportBridge() != null ? ", report bridge on port " + node.reportBridge().actualPort() : "")
                + (node.dhtPort() > 0 ? ", dht on udp " + node.dhtPort() : "")
                + ", " + node.library().hosted().size() + " torrent(s)");
        System.out.flush();
        stop.await();
        org.slf4j.LoggerFactory.getLogger(NodeCommand.class).info("stopping: saving resume data, announcing 'stopped'");
        node.close();
        System.out.println("node stopped");
        System.out.flush();
        return 0;
    }

    /** The address to click: localhost when the port listens there or everywhere. */
    static String dashboardUrl(WebAccess web, int port) {
        String h = web.loopback() || web.host().equals("0.0.0.0") || web.host().equals("::") ? "localhost"
                : web.host().contains(":") ? "[" + web.host() + "]" : web.host();
        return "http://" + h + ":" + port + "/";
    }

    /** Member with {@code --cluster}, reporter with {@code --report-to}, else alone; checked before anything starts. */
    private ClusterRole role() throws java.io.IOException {
        if (clusterOptions.cluster && reportTo != null) {
            throw new IllegalArgumentException("--cluster makes this node a member, which needs no --report-to: "
                    + "give one or the other (peer nodes report, tracker and dashboard nodes are members)");
        }
        String token = reportToken();
        if (clusterOptions.cluster) {
            Config config = clusterOptions.memberConfig();
            return new ClusterRole.Member(config, token != null ? token : clusterOptions.secret().reportToken(), reportPort);
        }
        if (reportTo != null) {
            if (token == null) {
                throw new IllegalArgumentException("--report-to needs the report token: set " + REPORT_TOKEN_ENV
                        + " or give --report-token-file FILE");
            }
            return new ClusterRole.Reporter(parseBridges(reportTo), token);
        }
        return new ClusterRole.Alone();
    }

    private String reportToken() throws java.io.IOException {
        String token = reportTokenFile != null
                ? java.nio.file.Files.readString(reportTokenFile, java.nio.charset.StandardCharsets.UTF_8).strip()
                : System.getenv(REPORT_TOKEN_ENV);
        if (token == null || token.isBlank()) {
            return null;
        }
        if (token.strip().length() < 16) {
            throw new IllegalArgumentException("the report token must be at least 16 characters");
        }
        return token.strip();
    }

    /** {@code HOST:PORT,...}, each with its port. */
    static java.util.List<SocketAddress> parseBridges(String list) {
        java.util.List<SocketAddress> out = new java.util.ArrayList<>();
        for (String entry : ClusterConfig.parseMembers(list)) {
            int colon = entry.lastIndexOf(':');
            boolean bracketed = entry.startsWith("[");
            if (colon < 0 || (bracketed ? entry.indexOf(']') > colon : entry.indexOf(':') != colon)) {
                throw new IllegalArgumentException("--report-to '" + entry + "': give HOST:PORT");
            }
            String host = entry.substring(0, colon);
            if (bracketed) {
                host = host.substring(1, host.length() - 1);
            }
            out.add(SocketAddress.inetSocketAddress(Integer.parseInt(entry.substring(colon + 1)), host));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--report-to needs at least one HOST:PORT");
        }
        return out;
    }

    /** Hosts one {@code --torrent}; one the node already hosts (kept from an earlier run) is left as it is. */
    private static void host(EnjambreNode node, Path file, byte[] torrent) throws Exception {
        try {
            var engine = node.library().add(torrent).toCompletionStage().toCompletableFuture()
                    .get(30, java.util.concurrent.TimeUnit.MINUTES);
            System.out.printf(java.util.Locale.ROOT, "hosting %s (%s): %.1f%% present%n", file.getFileName(),
                    engine.infoHash().hex(), engine.state().progress() * 100);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof org.enjambre.node.TorrentLibrary.LibraryException le && le.status() == 409) {
                System.out.println("hosting " + file.getFileName() + ": already hosted");
                return;
            }
            throw new IllegalArgumentException(file + ": " + Main.describe(e.getCause()), e.getCause());
        }
    }
}
