package org.enjambre.ext;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.enjambre.net.PeerAddress;
import org.enjambre.wire.ext.ExtendedHandshake;
import org.enjambre.wire.ext.ExtensionMessageException;
import org.enjambre.wire.ext.PexMessage;
import org.enjambre.wire.ext.PexMessage.PexPeer;

/**
 * {@code ut_pex} on one connection: tells the peer, at most once a minute, which peers joined and
 * left since the last message (everything at first), and reads what it tells us. See
 * {@link PeerExchange} for the limits.
 */
final class PexConnection implements Extension {
    private final PeerExchange exchange;
    private final ExtensionChannel channel;
    /** What this peer was told is connected, by address. */
    private final Map<PeerAddress, PexPeer> told = new LinkedHashMap<>();
    /** When our last message went out; negative before the first. */
    private long lastSentNanos = -1;
    /** When the peer's recent messages came, oldest first, within the last minute. */
    private final Deque<Long> received = new ArrayDeque<>();

    PexConnection(PeerExchange exchange, ExtensionChannel channel) {
        this.exchange = exchange;
        this.channel = channel;
    }

    @Override
    public String name() {
        return PexMessage.NAME;
    }

    @Override
    public void onHandshake(ExtendedHandshake theirs) {
        shareableAddress(theirs).ifPresent(a -> exchange.shareable(this,
                new PexPeer(a, channel.incoming() ? 0 : PexPeer.REACHABLE)));
    }

    /**
     * Where others can reach this peer: the address we dialled, or for an incoming connection its IP
     * with the listen port its extended handshake gave ({@code p}); its own port is ephemeral.
     */
    private Optional<PeerAddress> shareableAddress(ExtendedHandshake theirs) {
        Optional<PeerAddress> remote = channel.peer().filter(a -> a.ip().isPresent());
        if (remote.isEmpty()) {
            return Optional.empty();
        }
        if (theirs.port().isPresent()) {
            return Optional.of(PeerAddress.of(remote.get().ip().orElseThrow(), theirs.port().getAsInt()));
        }
        return channel.incoming() ? Optional.empty() : remote;
    }

    @Override
    public void onMessage(byte[] payload) throws ExtensionMessageException {
        long now = exchange.now();
        while (!received.isEmpty() && now - received.peekFirst() >= PeerExchange.SEND_INTERVAL_NANOS) {
            received.pollFirst();
        }
        if (received.size() >= PeerExchange.MAX_RECEIVED_PER_WINDOW) {
            throw new ExtensionMessageException("ut_pex: more than " + PeerExchange.MAX_RECEIVED_PER_WINDOW
                    + " messages within a minute");
        }
        received.addLast(now);
        exchange.received(channel.peer(), PexMessage.decode(payload));
    }

    @Override
    public void onTick(long nowNanos) {
        if (!channel.peerSupports()
                || (lastSentNanos >= 0 && nowNanos - lastSentNanos < PeerExchange.SEND_INTERVAL_NANOS)) {
            return;
        }
        List<PexPeer> now = exchange.shareableFor(this);
        Map<PeerAddress, PexPeer> current = new LinkedHashMap<>();
        now.forEach(p -> current.put(p.address(), p));
        List<PexPeer> added = new ArrayList<>();
        for (PexPeer p : now) {
            if (added.size() < PeerExchange.MAX_PER_MESSAGE && !told.containsKey(p.address())) {
                added.add(p);
            }
        }
        List<PeerAddress> dropped = new ArrayList<>();
        for (PeerAddress a : told.keySet()) {
            if (dropped.size() < PeerExchange.MAX_PER_MESSAGE && !current.containsKey(a)) {
                dropped.add(a);
            }
        }
        if (added.isEmpty() && dropped.isEmpty()) {
            return; // nothing new: the minute starts with the next message that says something
        }
        added.forEach(p -> told.put(p.address(), p));
        dropped.forEach(told::remove);
        channel.send(new PexMessage(added, dropped).encode());
        lastSentNanos = nowNanos;
        exchange.sent();
    }

    @Override
    public void onClose() {
        exchange.gone(this);
    }
}
