package org.enjambre.swarm;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.function.Function;
import org.enjambre.metainfo.InfoHash;
import org.enjambre.wire.Handshake;
import org.enjambre.wire.WireDecoder;
import org.enjambre.wire.WireException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the handshake of an incoming connection and hands the socket to the engine of the torrent
 * it names; a handshake for a torrent we don't have, a non-BitTorrent greeting or silence closes
 * the connection (one log line).
 */
public final class IncomingConnections {
    private static final Logger LOG = LoggerFactory.getLogger(IncomingConnections.class);

    private final Vertx vertx;
    private final Function<InfoHash, TorrentEngine> engines;
    private final Duration handshakeTimeout;

    public IncomingConnections(Vertx vertx, Function<InfoHash, TorrentEngine> engines, Duration handshakeTimeout) {
        this.vertx = vertx;
        this.engines = engines;
        this.handshakeTimeout = handshakeTimeout;
    }

    /** The NetServer's connect handler. */
    public void accept(NetSocket socket) {
        WireDecoder decoder = WireDecoder.expectingHandshake();
        String address = String.valueOf(socket.remoteAddress());
        boolean[] done = {false};
        long timer = vertx.setTimer(handshakeTimeout.toMillis(), id -> {
            if (!done[0]) {
                done[0] = true;
                LOG.info("closing {}: no handshake within {} s", address, handshakeTimeout.toSeconds());
                socket.close();
            }
        });
        socket.handler((Buffer data) -> {
            if (done[0]) {
                return;
            }
            decoder.feed(data);
            try {
                Object item = decoder.next();
                if (item == null) {
                    return;
                }
                done[0] = true;
                vertx.cancelTimer(timer);
                Handshake handshake = (Handshake) item;
                InfoHash infoHash = InfoHash.of(handshake.infoHash());
                TorrentEngine engine = engines.apply(infoHash);
                if (engine == null) {
                    LOG.info("closing {}: handshake for unknown torrent {}", address, infoHash.hex());
                    socket.close();
                    return;
                }
                socket.handler(null);
                engine.adopt(socket, decoder, handshake);
            } catch (WireException e) {
                done[0] = true;
                vertx.cancelTimer(timer);
                LOG.info("closing {}: protocol error: {}", address, e.getMessage());
                socket.close();
            }
        });
    }
}
