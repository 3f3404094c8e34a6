package org.enjambre.ext;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.enjambre.net.AddressScope;
import org.enjambre.net.PeerAddress;
import org.enjambre.wire.ext.PexMessage;
import org.enjambre.wire.ext.PexMessage.PexPeer;

/**
 * Peer exchange (BEP 11, {@code ut_pex}) for one torrent: knows which of its connected peers can be
 * told to others (an outgoing connection's dialled address, or an incoming peer's IP with the listen
 * port of its extended handshake), and makes each connection's {@link Extension} that tells its peer
 * what changed, and hands the candidates it hears to the torrent's peer list.
 *
 * <p>Never registered for a private torrent (BEP 27: peers come from its tracker only). Limits, per
 * peer: we send at most one message a {@link #SEND_INTERVAL_NANOS minute} and at most
 * {@link #MAX_PER_MESSAGE} added and dropped peers in each; a peer whose message does not decode
 * (more than {@link PexMessage#MAX_PEERS_PER_LIST} in a list, bad lengths) or that sends more than
 * {@link #MAX_RECEIVED_PER_WINDOW} messages within a minute is closed. Addresses of a private network,
 * of a link or of the loopback are taken only from a peer in that same kind of place, so a peer on the
 * internet cannot steer us into our own network.
 *
 * <p>Not thread-safe: used on the torrent's context.
 */
public final class PeerExchange {
    /** BEP 11: at most one message a minute to each peer. */
    static final long SEND_INTERVAL_NANOS = 60_000_000_000L;
    /** BEP 11: at most 50 added and 50 dropped peers in one message. */
    static final int MAX_PER_MESSAGE = 50;
    /**
     * Messages accepted from one peer within {@link #SEND_INTERVAL_NANOS}: one a minute is the rule;
     * a little slack lets a first message and a jittered timer through, a flood is closed.
     */
    static final int MAX_RECEIVED_PER_WINDOW = 3;

    private final Consumer<PeerAddress> discovered;
    private final LongSupplier nanoTime;
    /** The connections whose peer can be shared, with the address and flags others are told. */
    private final Map<PexConnection, PexPeer> shareable = new LinkedHashMap<>();
    private long candidatesReceived;
    private long messagesSent;

    /**
     * @param discovered takes each candidate heard through PEX (the engine's {@code addPeer} with origin PEX)
     * @param nanoTime   the engine's clock
     */
    public PeerExchange(Consumer<PeerAddress> discovered, LongSupplier nanoTime) {
        this.discovered = discovered;
        this.nanoTime = nanoTime;
    }

    /** The factory to register as {@link PexMessage#NAME}. */
    public Extension.Factory factory() {
        return channel -> new PexConnection(this, channel);
    }

    /** Candidates taken from peers' PEX messages so far. */
    public long candidatesReceived() {
        return candidatesReceived;
    }

    /** PEX messages sent so far. */
    public long messagesSent() {
        return messagesSent;
    }

    long now() {
        return nanoTime.getAsLong();
    }

    void shareable(PexConnection connection, PexPeer peer) {
        shareable.put(connection, peer);
    }

    void gone(PexConnection connection) {
        shareable.remove(connection);
    }

    /** The peers that may be told to {@code to}: every shareable one but itself. */
    List<PexPeer> shareableFor(PexConnection to) {
        List<PexPeer> out = new ArrayList<>(shareable.size());
        PexPeer self = shareable.get(to);
        for (PexPeer p : shareable.values()) {
            if (self == null || !p.address().equals(self.address())) {
                out.add(p);
            }
        }
        return out;
    }

    void sent() {
        messagesSent++;
    }

    /** Candidates from a peer at {@code from}: those it may name go to the peer list. */
    void received(Optional<PeerAddress> from, PexMessage message) {
        AddressScope fromScope = from.flatMap(PeerAddress::ip).map(AddressScope::of).orElse(AddressScope.PUBLIC);
        for (PexPeer p : message.added()) {
            if (from.isPresent() && p.address().equals(from.get())) {
                continue;
            }
            if (p.address().ip().map(ip -> fromScope.mayName(AddressScope.of(ip))).orElse(false)) {
                candidatesReceived++;
                discovered.accept(p.address());
            }
        }
    }
}
