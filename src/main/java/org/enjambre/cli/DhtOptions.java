package org.enjambre.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.enjambre.net.PeerAddress;
import org.enjambre.node.DhtService;
import picocli.CommandLine.Option;

/** Mixin for the Mainline DHT options that {@code download}, {@code seed}, {@code node} and {@code tracker} share. */
public final class DhtOptions {
    @Option(names = "--dht", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Find peers and announce torrents on the Mainline DHT (BEP 5); on by default, never for private torrents. --no-dht turns it off.")
    boolean dht = true;

    @Option(names = "--dht-port", defaultValue = "0", paramLabel = "N",
            description = "UDP port of the DHT node (a peer shares it with its UDP tracker client; a tracker's DHT has it alone), 0 for any free port (default).")
    int port;

    @Option(names = "--dht-bootstrap", paramLabel = "HOST:PORT",
            description = "A DHT node to join through (repeatable). None is built in; nodes saved from the last run are used too. "
                    + "A node named here is trusted whatever its address (loopback, LAN).")
    List<String> bootstrap = new ArrayList<>();

    /**
     * The settings, names resolved now (on the main thread) so that answers are matched to the
     * address they were sent to; a bad value is refused before anything starts.
     */
    DhtService.Settings settings(String host, Path stateFile) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--dht-port must be 0..65535, got " + port);
        }
        List<PeerAddress> nodes = new ArrayList<>();
        for (String text : bootstrap) {
            PeerAddress named;
            try {
                named = PeerAddress.parse(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--dht-bootstrap must be HOST:PORT or [IPV6]:PORT, got '" + text + "'");
            }
            try {
                nodes.add(named.ip().isPresent() ? named
                        : new PeerAddress(InetAddress.getByName(named.host()).getHostAddress(), named.port()));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("--dht-bootstrap " + text + ": unknown host");
            }
        }
        return new DhtService.Settings(dht, host, port, nodes, stateFile);
    }
}
