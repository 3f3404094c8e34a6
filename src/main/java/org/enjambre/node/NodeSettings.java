package org.enjambre.node;

import java.nio.file.Path;
import org.enjambre.web.WebAccess;

/**
 * What one {@code enjambre node} runs: a peer verticle, a web verticle and, with {@code tracker},
 * a tracker verticle.
 *
 * @param name            shown on the dashboard (any text; the page escapes it)
 * @param host            bind address of the peer and tracker servers (the web port has its own, {@code web.host()})
 * @param webPort         dashboard and REST API (0: any free port)
 * @param peerPort        BitTorrent peer port (0: any free port)
 * @param tracker         whether this node also runs a tracker
 * @param trackerPort     tracker HTTP port (0: any free port)
 * @param trackerInterval announce interval the tracker gives out, seconds
 * @param dataDir         where torrent data lives (and nothing else of the node's)
 * @param uploadRate      upload limit per torrent in bytes per second, 0 for none
 * @param maxUploadBytes  largest REST upload accepted (413 past it)
 * @param publicHost      the host other machines reach this node at (the tracker's announce URL);
 *                        null: the bind host, or 127.0.0.1 when binding every interface
 * @param nodeUploadRate   upload limit of the whole node (every torrent shares it), bytes per second, 0 for none
 * @param nodeDownloadRate download limit of the whole node, bytes per second, 0 for none
 * @param web             who may drive the web port (its bind address, token, allowed names, quota)
 * @param stateDir        the node's own files, outside {@code dataDir}; null: {@link NodeState#defaultFolder}
 * @param trackerUdpPort  with {@code tracker}, the UDP tracker's port (BEP 15; 0: any free port), or
 *                        {@link TrackerSettings#UDP_OFF}
 */
public record NodeSettings(String name, String host, int webPort, int peerPort, boolean tracker, int trackerPort,
                           int trackerInterval, Path dataDir, long uploadRate, long maxUploadBytes,
                           String publicHost, long nodeUploadRate, long nodeDownloadRate, WebAccess web, Path stateDir,
                           int trackerUdpPort) {
    /** Without a UDP tracker. */
    public NodeSettings(String name, String host, int webPort, int peerPort, boolean tracker, int trackerPort,
                        int trackerInterval, Path dataDir, long uploadRate, long maxUploadBytes,
                        String publicHost, long nodeUploadRate, long nodeDownloadRate, WebAccess web, Path stateDir) {
        this(name, host, webPort, peerPort, tracker, trackerPort, trackerInterval, dataDir, uploadRate, maxUploadBytes,
                publicHost, nodeUploadRate, nodeDownloadRate, web, stateDir, TrackerSettings.UDP_OFF);
    }

    /**
     * Without a public host (tests, a single machine), without node-wide limits, the web port on
     * loopback with a fresh random token ({@link WebAccess#local()}), the state beside the data.
     */
    public NodeSettings(String name, String host, int webPort, int peerPort, boolean tracker, int trackerPort,
                        int trackerInterval, Path dataDir, long uploadRate, long maxUploadBytes) {
        this(name, host, webPort, peerPort, tracker, trackerPort, trackerInterval, dataDir, uploadRate, maxUploadBytes,
                null, 0, 0, WebAccess.local(), null);
    }

    /** The same settings with node-wide rate limits (bytes per second, 0 for none). */
    public NodeSettings withNodeRates(long upload, long download) {
        return new NodeSettings(name, host, webPort, peerPort, tracker, trackerPort, trackerInterval, dataDir,
                uploadRate, maxUploadBytes, publicHost, upload, download, web, stateDir, trackerUdpPort);
    }

    /** The same settings with another web access (token, bind address, quota). */
    public NodeSettings withWeb(WebAccess access) {
        return new NodeSettings(name, host, webPort, peerPort, tracker, trackerPort, trackerInterval, dataDir,
                uploadRate, maxUploadBytes, publicHost, nodeUploadRate, nodeDownloadRate, access, stateDir, trackerUdpPort);
    }

    /** The state folder: given, or beside the data folder. */
    public Path stateFolder() {
        return stateDir != null ? stateDir.toAbsolutePath().normalize() : NodeState.defaultFolder(dataDir);
    }

    /** The host for URLs given to others. */
    public String advertisedHost() {
        if (publicHost != null && !publicHost.isBlank()) {
            return publicHost;
        }
        return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
    }

    public NodeSettings {
        if (name == null || name.isBlank() || name.length() > 100) {
            throw new IllegalArgumentException("--name must be 1..100 characters");
        }
        for (int port : new int[] {webPort, peerPort, trackerPort}) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("ports must be 0..65535, got " + port);
            }
        }
        if (trackerUdpPort < TrackerSettings.UDP_OFF || trackerUdpPort > 65535) {
            throw new IllegalArgumentException("--tracker-udp-port must be 0..65535, got " + trackerUdpPort);
        }
        if (uploadRate < 0) {
            throw new IllegalArgumentException("--upload-rate must be >= 0");
        }
        if (nodeUploadRate < 0 || nodeDownloadRate < 0) {
            throw new IllegalArgumentException("--node-upload-rate and --node-download-rate must be >= 0");
        }
        if (maxUploadBytes < 1) {
            throw new IllegalArgumentException("the upload limit must be positive");
        }
        if (web == null) {
            throw new IllegalArgumentException("the web access settings are missing");
        }
    }
}
