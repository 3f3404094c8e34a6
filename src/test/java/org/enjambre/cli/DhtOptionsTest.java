package org.enjambre.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.enjambre.net.PeerAddress;
import org.enjambre.node.DhtService;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --dht} is on unless {@code --no-dht}; bootstrap nodes are parsed and resolved before anything starts. */
class DhtOptionsTest {
    /** The mixin is injected by the parse: read it afterwards. */
    static <T> DhtService.Settings parse(T command, java.util.function.Function<T, DhtOptions> options, String... args) {
        new CommandLine(command).parseArgs(args);
        return options.apply(command).settings("0.0.0.0", null);
    }

    @Test
    void theDhtIsOnByDefaultForDownloadSeedAndNode() {
        DownloadCommand download = new DownloadCommand();
        assertThat(parse(download, c -> c.dhtOptions, "x.torrent", "--out", "o").enabled()).isTrue();
        SeedCommand seed = new SeedCommand();
        assertThat(parse(seed, c -> c.dhtOptions, "x.torrent", "--data", "d").enabled()).isTrue();
        NodeCommand node = new NodeCommand();
        assertThat(parse(node, c -> c.dhtOptions).enabled()).isTrue();
    }

    @Test
    void noDhtTurnsItOff() {
        DownloadCommand download = new DownloadCommand();
        assertThat(parse(download, c -> c.dhtOptions, "x.torrent", "--out", "o", "--no-dht").enabled()).isFalse();
    }

    @Test
    void bootstrapNodesAndPortAreTaken() {
        SeedCommand seed = new SeedCommand();
        DhtService.Settings s = parse(seed, c -> c.dhtOptions, "x.torrent", "--data", "d", "--dht-port", "6881",
                "--dht-bootstrap", "127.0.0.1:7000", "--dht-bootstrap", "localhost:7001", "--dht-bootstrap", "[::1]:7002");
        assertThat(s.port()).isEqualTo(6881);
        assertThat(s.bootstrap()).hasSize(3).allMatch(a -> a.ip().isPresent())
                .contains(new PeerAddress("127.0.0.1", 7000), new PeerAddress("::1", 7002));
    }

    @Test
    void aBadBootstrapOrPortIsOneClearError() {
        SeedCommand seed = new SeedCommand();
        assertThatThrownBy(() -> parse(seed, c -> c.dhtOptions, "x.torrent", "--data", "d", "--dht-bootstrap", "nowhere"))
                .hasMessageContaining("--dht-bootstrap must be HOST:PORT");
        SeedCommand other = new SeedCommand();
        assertThatThrownBy(() -> parse(other, c -> c.dhtOptions, "x.torrent", "--data", "d", "--dht-port", "70000"))
                .hasMessageContaining("--dht-port must be 0..65535");
    }
}
