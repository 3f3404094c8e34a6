package org.enjambre.tracker.client;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.enjambre.tracker.protocol.TrackerException;

/**
 * Where an announce connects: the tracker's host resolved once (off the event loop) and the first
 * address the {@link AnnouncePolicy} allows. The caller connects to exactly that address, so a
 * second lookup (DNS rebinding) cannot swap it for an internal one.
 */
final class TrackerAddresses {
    private TrackerAddresses() {
    }

    /**
     * @param trackerUrl the announce URL as the torrent or the user gave it (what the policy may trust)
     * @param uri        the URL about to be requested (the announce, or a redirect's target)
     */
    static Future<SocketAddress> resolve(Vertx vertx, AnnouncePolicy policy, String trackerUrl, URI uri) {
        if (uri.getHost() == null) {
            return Future.failedFuture(new TrackerException("announce URL without a host"));
        }
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
        int port = uri.getPort() > 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        return vertx.executeBlocking(() -> List.of(InetAddress.getAllByName(host)))
                .recover(e -> Future.failedFuture(new TrackerException("cannot resolve " + host + ": " + e.getMessage(), e)))
                .compose(addresses -> {
                    String refusal = null;
                    for (InetAddress address : addresses) {
                        Optional<String> why = policy.refusal(trackerUrl, address);
                        if (why.isEmpty()) {
                            return Future.succeededFuture(SocketAddress.inetSocketAddress(port, address.getHostAddress()));
                        }
                        refusal = refusal == null ? why.get() : refusal;
                    }
                    return Future.failedFuture(new TrackerRefusedException(refusal));
                });
    }
}
