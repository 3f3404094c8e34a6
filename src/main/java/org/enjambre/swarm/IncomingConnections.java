package org.enjambre.swarm;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Collection;
import java.util.function.Function;
import java.util.function.Supplier;
import org.enjambre.metainfo.InfoHash;
import org.enjambre.net.ConnectionSlots;
import org.enjambre.wire.EncryptedGreeting;
import org.enjambre.wire.Handshake;
import org.enjambre.wire.WireDecoder;
import org.enjambre.wire.WireException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer port's door: takes a slot for every accepted socket (refused at once past the
 * half-open or per-address cap of {@link PeerPortLimits}), reads the handshake within the
 * handshake timeout and hands the socket to the engine of the torrent it names; a handshake for a
 * torrent we don't have, a non-BitTorrent greeting or silence closes the connection (one log line).
 * An encrypted greeting (Message Stream Encryption, which libtorrent and Transmission try first)
 * is answered with plaintext chosen ({@link EncryptedGreeting}): the handshake then follows as usual,
 * instead of the peer dialling again in plaintext a second later.
 * The slot is held until the socket closes, also after the engine took it over.
 */
public final class IncomingConnections {
    private static final Logger LOG = LoggerFactory.getLogger(IncomingConnections.class);
    /** The wire timeline's logger (see {@link WireTimeline}): how long an encrypted greeting took. */
    private static final Logger TIMELINE = LoggerFactory.getLogger("enjambre.timeline");

    private final Vertx vertx;
    private final Function<InfoHash, ? extends Adopter> engines;
    private final PeerPortLimits limits;
    private final ConnectionSlots slots;
    private final Supplier<? extends Collection<InfoHash>> hosted;
    private final SecureRandom random = new SecureRandom();

    /** A torrent that takes over incoming connections whose handshake names it. */
    public interface Adopter {
        /** Takes the socket; the decoder may hold bytes that followed the handshake. */
        void adopt(NetSocket socket, WireDecoder decoder, Handshake theirs);
    }

    /** @param hosted the torrents hosted now (an encrypted greeting names its torrent by a hash of each) */
    public IncomingConnections(Vertx vertx, Function<InfoHash, ? extends Adopter> engines,
                               Supplier<? extends Collection<InfoHash>> hosted, PeerPortLimits limits) {
        this.vertx = vertx;
        this.engines = engines;
        this.hosted = hosted;
        this.limits = limits;
        this.slots = new ConnectionSlots("peer port", limits.slots());
    }

    /** Slots held and refusals counted (for metrics and tests). */
    public ConnectionSlots slots() {
        return slots;
    }

    /** The NetServer's connect handler. */
    public void accept(NetSocket socket) {
        SocketAddress remote = socket.remoteAddress();
        String ip = remote == null || remote.hostAddress() == null ? "?" : remote.hostAddress();
        ConnectionSlots.Slot slot;
        switch (slots.admit(ip)) {
            case ConnectionSlots.Refused refused -> {
                socket.close();
                return;
            }
            case ConnectionSlots.Admitted admitted -> slot = admitted.slot();
        }
        if (!releaseWhenClosed(socket, slot)) {
            // Without the channel's close future the slot cannot follow the socket into the engine:
            // it covers the handshake only.
            socket.closeHandler(v -> slot.release());
        }
        WireDecoder decoder = WireDecoder.expectingHandshake();
        String address = String.valueOf(remote);
        boolean[] done = {false};
        long timer = vertx.setTimer(limits.handshakeTimeout().toMillis(), id -> {
            if (!done[0]) {
                done[0] = true;
                LOG.info("closing {}: no handshake within {} s", address, limits.handshakeTimeout().toSeconds());
                socket.close();
            }
        });
        Greeting greeting = new Greeting(address);
        socket.handler((Buffer received) -> {
            if (done[0]) {
                return;
            }
            try {
                Buffer data = greeting.clear(received, socket);
                if (data == null) {
                    return;
                }
                decoder.feed(data);
                Object item = decoder.next();
                if (item == null) {
                    return;
                }
                done[0] = true;
                vertx.cancelTimer(timer);
                Handshake handshake = (Handshake) item;
                InfoHash infoHash = InfoHash.of(handshake.infoHash());
                Adopter engine = engines.apply(infoHash);
                if (engine == null) {
                    LOG.info("closing {}: handshake for unknown torrent {}", address, infoHash.hex());
                    socket.close();
                    return;
                }
                slot.greeted();
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

    /**
     * Tells a plain handshake from an encrypted greeting by the first 20 bytes, and answers the
     * latter: hands on the bytes to read as the BitTorrent handshake, or null while the greeting
     * goes on.
     */
    private final class Greeting {
        private final String address;
        private final long acceptedNanos = System.nanoTime();
        private byte[] start = new byte[0];
        private EncryptedGreeting encrypted;
        private boolean plain;

        Greeting(String address) {
            this.address = address;
        }

        Buffer clear(Buffer received, NetSocket socket) throws WireException {
            if (plain) {
                return received;
            }
            if (encrypted == null) {
                byte[] bytes = received.getBytes();
                start = Arrays.copyOf(start, start.length + bytes.length);
                System.arraycopy(bytes, 0, start, start.length - bytes.length, bytes.length);
                Boolean isEncrypted = EncryptedGreeting.isEncrypted(start);
                if (isEncrypted == null) {
                    return null;
                }
                if (!isEncrypted) {
                    plain = true;
                    return Buffer.buffer(start);
                }
                encrypted = new EncryptedGreeting(this::torrentOfReq2, random);
                return answer(encrypted.feed(start), socket);
            }
            return answer(encrypted.feed(received.getBytes()), socket);
        }

        private Buffer answer(byte[] reply, NetSocket socket) {
            if (reply.length > 0) {
                socket.write(Buffer.buffer(reply));
            }
            if (!encrypted.done()) {
                return null;
            }
            plain = true;
            if (TIMELINE.isDebugEnabled()) {
                TIMELINE.debug("{} in: encrypted greeting answered (plaintext chosen) {} ms after accept", address,
                        String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - acceptedNanos) / 1e6));
            }
            return Buffer.buffer(encrypted.plaintext());
        }

        private byte[] torrentOfReq2(byte[] req2) {
            for (InfoHash infoHash : hosted.get()) {
                if (Arrays.equals(EncryptedGreeting.req2(infoHash.bytes()), req2)) {
                    return infoHash.bytes();
                }
            }
            return null;
        }
    }

    /**
     * Releases the slot when the channel closes, whoever closes it: the engine replaces the
     * socket's close handler when it adopts the socket, the channel's close future stays.
     */
    private static boolean releaseWhenClosed(NetSocket socket, ConnectionSlots.Slot slot) {
        if (socket instanceof NetSocketInternal internal) {
            internal.channelHandlerContext().channel().closeFuture().addListener(f -> slot.release());
            return true;
        }
        return false;
    }
}
