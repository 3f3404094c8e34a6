package org.enjambre.swarm;

import io.vertx.core.Future;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.enjambre.net.PeerAddress;
import org.enjambre.net.PeerOrigin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One torrent's peers: the candidates that peer sources pushed in (each tagged with its {@link
 * PeerOrigin}), dialled while the torrent has fewer connections than its target and redialled with
 * a backoff (1 s doubling to 60 s); the connections, handshaking and established; and the bans (by
 * peer id, and by the address we dialled). Enforces the named limits: known candidates, connections
 * per torrent, and connections per remote IP address, and evicts an idle peer when a new one needs
 * its slot.
 *
 * <p>Connections per IP: like libtorrent (one unless {@code allow_multiple_connections_per_ip}),
 * {@link EngineOptions.Limits#connectionsPerIp()}, by default 1, so that one host cannot take a
 * torrent's slots by dialling from many ports. Loopback is exempt (bounded only by the connection
 * limit): every peer of a local test or demo swarm shares 127.0.0.1.
 */
final class PeerList {
    private static final Logger LOG = LoggerFactory.getLogger(PeerList.class);
    /** First wait before dialling a known peer again; doubles up to {@link #REDIAL_MAX_MILLIS}. */
    static final long REDIAL_MIN_MILLIS = 1_000;
    static final long REDIAL_MAX_MILLIS = 60_000;

    /** Opens a TCP connection to a peer and sends our handshake. */
    interface Dialer {
        Future<PeerLink> dial(PeerAddress address);
    }

    /** A peer we may dial, and when to dial it next. */
    private static final class Candidate {
        final PeerAddress address;
        final PeerOrigin origin;
        long delayMillis = REDIAL_MIN_MILLIS;
        long nextNanos;
        PeerLink link;
        /** A peer the user named was reported unreachable once (later failures only at debug). */
        boolean warned;
        /** It had every piece when last connected: a seed has nothing to trade with it (see {@link #redial(long, boolean)}). */
        boolean seed;

        Candidate(PeerAddress address, PeerOrigin origin, long now) {
            this.address = address;
            this.origin = origin;
            this.nextNanos = now;
        }

        /** Whether this peer has a live connection now (ours, or one it made to us). */
        boolean connected() {
            return link != null && !link.closed();
        }
    }

    private final String name;
    private final EngineOptions.Limits limits;
    private final long idleEvictionNanos;
    private final EngineClock clock;
    private final Dialer dialer;
    private final Map<PeerAddress, Candidate> known = new LinkedHashMap<>();
    /** Incoming connections by the address their peer says it listens at (BEP 10 {@code p}). */
    private final Map<PeerAddress, PeerLink> listeningAt = new HashMap<>();
    private final Set<PeerLink> handshaking = new LinkedHashSet<>();
    private final Set<PeerLink> connected = new LinkedHashSet<>();
    /** Peers banned for this session (peer id hex), for data that failed SHA-1. */
    private final Set<String> bannedIds = new HashSet<>();
    /** Addresses of banned peers that we dialled: never dialled again. */
    private final Set<PeerAddress> bannedAddresses = new HashSet<>();
    private boolean knownCapLogged;
    private boolean stopped;

    PeerList(String name, EngineOptions options, EngineClock clock, Dialer dialer) {
        this.name = name;
        this.limits = options.limits();
        this.idleEvictionNanos = options.timeouts().idleEviction().toNanos();
        this.clock = clock;
        this.dialer = dialer;
    }

    /**
     * Remembers a candidate (dialled by {@link #redial}); false if it was known already or the list
     * is full ({@link EngineOptions.Limits#maxKnownPeers()}, logged once).
     */
    boolean add(PeerAddress address, PeerOrigin origin) {
        if (known.containsKey(address)) {
            return false;
        }
        if (known.size() >= limits.maxKnownPeers()) {
            if (!knownCapLogged) {
                knownCapLogged = true;
                LOG.info("{}: {} peers known, the most kept per torrent: further candidates are not kept", name,
                        limits.maxKnownPeers());
            }
            return false;
        }
        Candidate c = new Candidate(address, origin, clock.nanoTime());
        PeerLink there = listeningAt.get(address);
        if (there != null && !there.closed()) {
            c.link = there; // it dialled us already (a tracker or PEX names it later)
        }
        known.put(address, c);
        return true;
    }

    int knownCount() {
        return known.size();
    }

    /**
     * Dials {@code address} now, remembering it if there is room; the future fails if no connection
     * can be made (limit, ban, unreachable).
     */
    Future<Void> dialNow(PeerAddress address, PeerOrigin origin) {
        add(address, origin);
        Candidate c = known.get(address);
        return dial(c != null ? c : new Candidate(address, origin, clock.nanoTime()));
    }

    /** Dials the candidates that are due, while there are fewer connections than the target. */
    void redial(long now) {
        redial(now, false);
    }

    /**
     * As {@link #redial(long)}; when {@code seeding} (we have every piece), not the peers seen as
     * seeds: two seeds close their connection at once, so each dial was a connection and two
     * handshakes thrown away, once a minute per pair for as long as both seed (libtorrent does not
     * connect a finished torrent to seeds either).
     */
    void redial(long now, boolean seeding) {
        int connectionsNow = connected.size() + handshaking.size();
        for (Candidate c : new ArrayList<>(known.values())) {
            if (connectionsNow >= limits.targetConnections()) {
                break; // enough peers: the others are dialled when some of these go
            }
            if (seeding && c.seed) {
                continue;
            }
            if (!c.connected() && !stopped && !bannedAddresses.contains(c.address) && now - c.nextNanos >= 0) {
                connectionsNow++;
                dial(c).onFailure(e -> unreachable(c, e));
            }
        }
    }

    /** A peer the user named ({@code --peer}) that cannot be reached is worth one warning; others are routine. */
    private void unreachable(Candidate c, Throwable e) {
        if (c.origin == PeerOrigin.MANUAL && !c.warned) {
            c.warned = true;
            LOG.warn("{}: cannot connect to {}: {} (trying again with a backoff)", name, c.address, e.getMessage());
        } else {
            LOG.debug("{}: cannot reach {} ({}): {}", name, c.address, c.origin, e.getMessage());
        }
    }

    private Future<Void> dial(Candidate c) {
        long now = clock.nanoTime();
        c.nextNanos = now + TimeUnit.MILLISECONDS.toNanos(c.delayMillis);
        c.delayMillis = Math.min(REDIAL_MAX_MILLIS, c.delayMillis * 2);
        if (stopped) {
            return Future.failedFuture("engine stopped");
        }
        if (bannedAddresses.contains(c.address)) {
            return Future.failedFuture("peer banned for this session");
        }
        String refused = perAddressRefusal(c.address);
        if (refused != null) {
            return Future.failedFuture(refused);
        }
        if (connected.size() + handshaking.size() >= limits.maxConnections() && !evictIdle(now)) {
            return Future.failedFuture("connection limit reached");
        }
        return dialer.dial(c.address).map(link -> {
            c.link = link;
            handshaking.add(link);
            return null;
        });
    }

    /**
     * Whether an incoming connection from {@code remote} may be taken: null if so (the caller then
     * calls {@link #opened}), else why not. At the connection limit an idle peer makes room.
     */
    String admit(PeerAddress remote) {
        if (stopped) {
            return "engine stopped";
        }
        String refused = remote == null ? null : perAddressRefusal(remote);
        if (refused != null) {
            return refused;
        }
        if (connected.size() >= limits.maxConnections() && !evictIdle(clock.nanoTime())) {
            return "connection limit";
        }
        return null;
    }

    /** An admitted incoming connection, before its handshake is accepted. */
    void opened(PeerLink link) {
        handshaking.add(link);
    }

    /** The handshake was accepted: the connection counts as established; its candidate's backoff restarts. */
    void register(PeerLink link) {
        handshaking.remove(link);
        connected.add(link);
        for (Candidate c : known.values()) {
            if (c.link == link) {
                c.delayMillis = REDIAL_MIN_MILLIS;
            }
        }
    }

    /**
     * Our connection {@code dialled} reached a peer already connected by {@code existing} (it dialled
     * us first, or we it from another address): the candidate it was dialled for is that peer, and is
     * not dialled again while {@code existing} lasts. Without this, every peer that dialled us first
     * was dialled back again and again, each time a connection and two handshakes thrown away.
     */
    void sameAs(PeerLink dialled, PeerLink existing) {
        for (Candidate c : known.values()) {
            if (c.link == dialled) {
                c.link = existing;
            }
        }
    }

    /**
     * The peer of the incoming connection {@code link} says it listens on {@code port}: the candidate
     * at its IP and that port is that peer, and is not dialled while {@code link} lasts (as
     * {@link #sameAs}, learnt before any dial of ours; a peer that dialled us first otherwise
     * closed each of our dials unanswered, a duplicate, and so was dialled again and again).
     */
    void listensAt(PeerLink link, int port) {
        PeerAddress remote = link.remote();
        if (remote == null) {
            return;
        }
        PeerAddress at = new PeerAddress(remote.host(), port);
        listeningAt.put(at, link);
        Candidate c = known.get(at);
        if (c != null && !c.connected()) {
            c.link = link;
        }
    }

    /**
     * The peer of {@code link} has every piece (called as its connection closes): the candidates it
     * was dialled as, or says it listens at, are seeds from now on.
     */
    void seedSeen(PeerLink link) {
        for (Candidate c : known.values()) {
            if (c.link == link || listeningAt.get(c.address) == link) {
                c.seed = true;
            }
        }
    }

    /** The connection closed; true if it was established. */
    boolean closed(PeerLink link) {
        listeningAt.values().removeIf(l -> l == link);
        handshaking.remove(link);
        return connected.remove(link);
    }

    /** The established connections, in the order they were made. */
    Set<PeerLink> connected() {
        return connected;
    }

    boolean banned(String peerIdHex) {
        return bannedIds.contains(peerIdHex);
    }

    /**
     * Bans a peer for the session: its id is refused at the handshake, the address we dialled it at
     * is never dialled again, and its connections are closed.
     */
    void ban(PeerStats peer) {
        bannedIds.add(peer.peerIdHex());
        for (PeerLink link : new ArrayList<>(connected)) {
            if (link.state().stats == peer) {
                for (Candidate c : known.values()) {
                    if (c.link == link) {
                        bannedAddresses.add(c.address);
                    }
                }
                link.close("banned: sent data that failed SHA-1");
            }
        }
    }

    /** No more dialling or admitting; every connection, handshaking or not, to be closed by the caller. */
    List<PeerLink> stop() {
        stopped = true;
        List<PeerLink> all = new ArrayList<>(handshaking);
        all.addAll(connected);
        return all;
    }

    /** Null if another connection to {@code address}'s host is allowed, else why not. */
    private String perAddressRefusal(PeerAddress address) {
        if (isLoopback(address)) {
            return null;
        }
        int same = 0;
        for (Set<PeerLink> set : List.of(handshaking, connected)) {
            for (PeerLink link : set) {
                if (link.remote() != null && link.remote().host().equals(address.host()) && !link.closed()) {
                    same++;
                }
            }
        }
        return same >= limits.connectionsPerIp()
                ? "already " + same + " connection(s) with " + address.host() + " (the most per address)"
                : null;
    }

    private static boolean isLoopback(PeerAddress address) {
        return address.host().equals("localhost") || address.ip().map(InetAddress::isLoopbackAddress).orElse(false);
    }

    /**
     * Closes the established connection idle longest (no block either way for the idle-eviction
     * time, neither side interested), so that a new peer gets its slot; false if none is idle.
     */
    private boolean evictIdle(long now) {
        PeerLink idlest = null;
        for (PeerLink link : connected) {
            PeerState peer = link.state();
            if (!peer.amInterested && !peer.peerInterested && now - peer.lastExchangeNanos >= idleEvictionNanos
                    && (idlest == null || peer.lastExchangeNanos < idlest.state().lastExchangeNanos)) {
                idlest = link;
            }
        }
        if (idlest == null) {
            return false;
        }
        idlest.close("idle for " + TimeUnit.NANOSECONDS.toSeconds(now - idlest.state().lastExchangeNanos)
                + " s: its slot goes to a new peer");
        connected.remove(idlest); // whatever the close handler does, the slot is free now
        return true;
    }
}
