package org.enjambre.tracker.server;

import io.vertx.core.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import org.enjambre.tracker.protocol.IpAddresses;

/**
 * Who is really behind each connection the {@link HttpFrontEnd} hands over to the full HTTP server:
 * that server sees them all coming from loopback, and an announce from loopback may name its own
 * address ({@code ip=}), so without this a remote client could announce any address by asking for
 * something else first on the same connection. Keyed by the local port of the front end's
 * connection to the full server (the port that server sees as the client's). Thread-safe.
 */
public final class HandOvers {
    private final ConcurrentHashMap<Integer, byte[]> clients = new ConcurrentHashMap<>();

    /** The spliced connection from local port {@code port} carries {@code client}'s requests. */
    void opened(int port, byte[] client) {
        clients.put(port, client);
    }

    /** That connection closed (only its own entry goes: the port may already serve another). */
    void closed(int port, byte[] client) {
        clients.remove(port, client);
    }

    /**
     * The address of the client behind a request the full server received from {@code remote}:
     * the front end's client when the request came through it, else {@code remote} itself (4 or 16
     * bytes, or null when unreadable).
     */
    public byte[] clientOf(SocketAddress remote) {
        byte[] address = remote == null ? null : IpAddresses.parse(remote.hostAddress());
        if (address != null && IpAddresses.isLoopback(address)) {
            byte[] client = clients.get(remote.port());
            if (client != null) {
                return client;
            }
        }
        return address;
    }
}
