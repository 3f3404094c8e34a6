package org.enjambre.discovery;

import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.enjambre.net.PeerAddress;
import org.enjambre.net.PeerOrigin;

/**
 * Peers the user named: {@code --peer HOST:PORT} options and a magnet link's {@code x.pe}
 * parameters. All of them go to the sink at start, as {@link PeerOrigin#MANUAL}; the engine
 * keeps redialling them while they are unreachable.
 */
public final class ManualSource implements PeerSource {
    private final List<PeerAddress> peers;
    private final AtomicBoolean started = new AtomicBoolean();

    public ManualSource(List<PeerAddress> peers) {
        this.peers = List.copyOf(peers);
    }

    /**
     * Parses {@code --peer} values ({@code host:port}, {@code [ipv6]:port}); a malformed one is
     * refused with the option's name and the value, before anything starts.
     */
    public static ManualSource parse(List<String> texts) {
        return new ManualSource(texts.stream().map(ManualSource::parseOne).toList());
    }

    private static PeerAddress parseOne(String text) {
        try {
            return PeerAddress.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--peer must be HOST:PORT or [IPV6]:PORT, got '" + text + "' ("
                    + e.getMessage() + ")");
        }
    }

    public List<PeerAddress> peers() {
        return peers;
    }

    @Override
    public void start(PeerSink sink) {
        if (started.compareAndSet(false, true)) {
            peers.forEach(p -> sink.addPeer(p, PeerOrigin.MANUAL));
        }
    }

    @Override
    public Future<Void> stop() {
        return Future.succeededFuture();
    }
}
