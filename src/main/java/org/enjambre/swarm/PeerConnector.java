package org.enjambre.swarm;

import io.vertx.core.Future;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import org.enjambre.metainfo.InfoHash;
import org.enjambre.net.PeerAddress;
import org.enjambre.wire.Handshake;
import org.enjambre.wire.WireDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a torrent's peer connections, one way for the {@link TorrentEngine} and the {@link
 * MetadataSwarm} alike: dials a candidate and sends our handshake, closing the connection if theirs
 * does not come in time; or takes over an incoming socket whose handshake the peer port already
 * read, once the peer list admits its address. Either way the connection reports to the torrent's
 * {@link ConnectionEvents}. Used on the torrent's context.
 */
final class PeerConnector {
    private static final Logger LOG = LoggerFactory.getLogger(PeerConnector.class);

    private final String name;
    private final ConnectionEvents torrent;
    private final NetClient client;
    private final InfoHash infoHash;
    private final byte[] peerId;
    private final int pieceCount;
    private final EngineClock clock;
    private final RateLimiter downloadLimiter;
    private final Duration handshakeTimeout;

    /**
     * @param name       the torrent's name, for the log
     * @param torrent    where the connections' events go
     * @param pieceCount the torrent's pieces (0 while its metadata is not known)
     */
    PeerConnector(String name, ConnectionEvents torrent, NetClient client, InfoHash infoHash, byte[] peerId,
                  int pieceCount, EngineClock clock, RateLimiter downloadLimiter, Duration handshakeTimeout) {
        this.name = name;
        this.torrent = torrent;
        this.client = client;
        this.infoHash = infoHash;
        this.peerId = peerId.clone();
        this.pieceCount = pieceCount;
        this.clock = clock;
        this.downloadLimiter = downloadLimiter;
        this.handshakeTimeout = handshakeTimeout;
    }

    /** The peer list's dialer: a TCP connection, then our handshake. */
    Future<PeerLink> dial(PeerAddress address) {
        return client.connect(address.port(), address.host()).map(socket -> {
            PeerConnection c = new PeerConnection(torrent, socket, WireDecoder.expectingHandshake(), false, address,
                    pieceCount, clock, downloadLimiter);
            c.start();
            c.send(Handshake.ours(infoHash.bytes(), peerId).encode());
            c.armHandshakeTimeout(handshakeTimeout);
            return c;
        });
    }

    /**
     * Takes over an incoming socket whose handshake named this torrent, unless {@code peers} refuses
     * its address (the socket is then closed): our handshake goes out, the torrent hears theirs, then
     * whatever followed it in the decoder.
     */
    void adopt(NetSocket socket, WireDecoder decoder, Handshake theirs, PeerList peers) {
        PeerAddress remote = PeerConnection.remoteOf(socket);
        String refused = peers.admit(remote);
        if (refused != null) {
            LOG.debug("{}: refusing {}: {}", name, socket.remoteAddress(), refused);
            socket.close();
            return;
        }
        PeerConnection c = new PeerConnection(torrent, socket, decoder, true, remote, pieceCount, clock,
                downloadLimiter);
        c.start();
        c.send(Handshake.ours(infoHash.bytes(), peerId).encode());
        peers.opened(c);
        c.adoptedWith(theirs);
        torrent.onHandshake(c, theirs);
        c.drain();
    }
}
