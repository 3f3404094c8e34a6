package org.enjambre.ext;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.enjambre.metainfo.InfoHash;
import org.enjambre.net.PeerAddress;
import org.enjambre.swarm.EngineClock;
import org.enjambre.wire.ext.MetadataMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assembles a magnet link's info dictionary from peers (BEP 9): asks every peer that offers
 * {@code metadata_size} for pieces, spread over them, re-asks elsewhere after a {@code reject}, a
 * timeout or a departure, and checks the SHA-1 of the whole against the info-hash before anyone uses
 * it. When the hash fails, a peer that sent every piece is banned for the session (its connection
 * closed, its address never asked again); when several peers contributed, each becomes a suspect and
 * the next attempts take all pieces from one peer at a time, so that the liar is the one caught.
 *
 * <p>Not thread-safe: used on the torrent's context only.
 */
public final class MetadataFetch {
    private static final Logger LOG = LoggerFactory.getLogger(MetadataFetch.class);
    /**
     * Largest info dictionary fetched: libtorrent's 30 MiB rather than webtorrent's 10 MB, so that any
     * torrent libtorrent can fetch we can too (30 MiB holds 1.5 M piece hashes: 1.5 TiB in 1 MiB pieces);
     * it is also the codec's cap. A peer offering more is refused before a byte is requested, and the
     * pieces are kept only as they come, so a claim costs nothing.
     */
    public static final long MAX_METADATA_SIZE = MetadataMessage.MAX_METADATA_SIZE;
    /** Requests outstanding to one peer at once. */
    static final int MAX_OUTSTANDING_PER_PEER = 8;
    /** A request unanswered this long is asked of another peer. */
    static final long REQUEST_TIMEOUT_MILLIS = 10_000;
    /** A peer that rejected or timed out is not asked again for this long. */
    static final long BACKOFF_MILLIS = 5_000;
    static final long TICK_MILLIS = 1_000;

    /** What one peer offers. */
    private static final class Source {
        final long size;
        long backoffUntilNanos;
        int outstanding;
        boolean suspect;

        Source(long size) {
            this.size = size;
        }
    }

    /** One try at assembling the dictionary for one announced size. */
    private static final class Attempt {
        final long size;
        final byte[][] pieces;
        final MetadataExtension[] from;
        final MetadataExtension[] askedOf;
        final long[] askedAtNanos;
        int received;

        Attempt(long size) {
            this.size = size;
            int count = MetadataMessage.pieceCount(size);
            pieces = new byte[count][];
            from = new MetadataExtension[count];
            askedOf = new MetadataExtension[count];
            askedAtNanos = new long[count];
        }
    }

    private final InfoHash infoHash;
    private final EngineClock clock;
    private final long maxSize;
    private final Consumer<byte[]> onVerified;
    private final Map<MetadataExtension, Source> sources = new LinkedHashMap<>();
    private final Set<PeerAddress> banned = new HashSet<>();
    private final Promise<byte[]> done = Promise.promise();
    private Attempt attempt;
    /** After a hash failure with several contributors: all pieces from one peer at a time. */
    private boolean singleSource;
    private MetadataExtension soleSource;
    private boolean ticking;
    private volatile boolean stopped;
    private int refusedOversize;
    private int hashFailures;

    MetadataFetch(InfoHash infoHash, EngineClock clock, long maxSize, Consumer<byte[]> onVerified) {
        if (maxSize < 1 || maxSize > MAX_METADATA_SIZE) {
            throw new IllegalArgumentException("metadata cap must be 1.." + MAX_METADATA_SIZE);
        }
        this.infoHash = infoHash;
        this.clock = clock;
        this.maxSize = maxSize;
        this.onVerified = onVerified;
    }

    /** Completes with the info dictionary whose SHA-1 is the info-hash. */
    public Future<byte[]> completion() {
        return done.future();
    }

    public long maxSize() {
        return maxSize;
    }

    /** Peers that offer metadata we may ask for. */
    public int sources() {
        return sources.size();
    }

    /** Peers refused because the metadata they offered was larger than the cap. */
    public int refusedOversize() {
        return refusedOversize;
    }

    /** Assembled dictionaries whose SHA-1 was not the info-hash. */
    public int hashFailures() {
        return hashFailures;
    }

    /** Peers banned for sending metadata that failed the hash. */
    public Set<PeerAddress> banned() {
        return Set.copyOf(banned);
    }

    void stop() {
        stopped = true;
    }

    void peerHandshake(MetadataExtension peer, OptionalLong metadataSize, boolean supports) {
        if (done.future().isComplete() || stopped) {
            return;
        }
        if (!supports || metadataSize.isEmpty() || metadataSize.getAsLong() == 0) {
            peerGone(peer); // it has no metadata for us (or no longer offers ut_metadata)
            return;
        }
        long size = metadataSize.getAsLong();
        if (size > maxSize) {
            refusedOversize++;
            peerGone(peer);
            peer.close("offers metadata of " + size + " bytes, over the " + maxSize + "-byte cap");
            return;
        }
        if (peer.peer().map(banned::contains).orElse(false)) {
            return;
        }
        Source old = sources.get(peer);
        if (old != null && old.size == size) {
            return;
        }
        peerGone(peer);
        sources.put(peer, new Source(size));
        if (!ticking) {
            ticking = true;
            clock.schedule(TICK_MILLIS, this::tick);
        }
        pump();
    }

    void onData(MetadataExtension peer, MetadataMessage.Data data) {
        Source source = sources.get(peer);
        Attempt a = attempt;
        if (source == null || a == null || data.piece() >= a.pieces.length || a.askedOf[data.piece()] != peer) {
            return; // not asked of this peer (late, after a timeout, or unsolicited): BEP 9 lets us drop it
        }
        a.askedOf[data.piece()] = null;
        source.outstanding--;
        if (data.totalSize() != a.size) {
            peerGone(peer);
            peer.close("metadata piece says total_size " + data.totalSize() + ", its handshake said " + source.size);
            pump();
            return;
        }
        a.pieces[data.piece()] = data.block();
        a.from[data.piece()] = peer;
        a.received++;
        if (a.received == a.pieces.length) {
            verify(a);
        }
        pump();
    }

    void onReject(MetadataExtension peer, int piece) {
        Source source = sources.get(peer);
        Attempt a = attempt;
        if (source == null || a == null || piece >= a.pieces.length || a.askedOf[piece] != peer) {
            return;
        }
        a.askedOf[piece] = null;
        source.outstanding--;
        source.backoffUntilNanos = clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BACKOFF_MILLIS);
        pump();
    }

    void peerGone(MetadataExtension peer) {
        if (sources.remove(peer) == null) {
            return;
        }
        if (attempt != null) {
            for (int i = 0; i < attempt.askedOf.length; i++) {
                if (attempt.askedOf[i] == peer) {
                    attempt.askedOf[i] = null;
                }
            }
        }
        if (soleSource == peer) {
            soleSource = null;
        }
        pump();
    }

    private void verify(Attempt a) {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) a.size);
        for (byte[] piece : a.pieces) {
            out.writeBytes(piece);
        }
        byte[] bytes = out.toByteArray();
        attempt = null;
        // SHA-1 of at most MAX_METADATA_SIZE on the context: real dictionaries are a few hundred KiB (well
        // under a millisecond), and it happens once per torrent.
        if (InfoHash.ofInfoBytes(bytes).equals(infoHash)) {
            LOG.info("{}: metadata complete ({} bytes from {} peer(s))", infoHash.hex(), bytes.length,
                    new LinkedHashSet<>(List.of(a.from)).size());
            onVerified.accept(bytes);
            done.tryComplete(bytes);
            return;
        }
        hashFailures++;
        Set<MetadataExtension> contributors = new LinkedHashSet<>(List.of(a.from));
        if (contributors.size() == 1) {
            MetadataExtension liar = contributors.iterator().next();
            liar.peer().ifPresent(banned::add);
            LOG.warn("{}: banning {}: its metadata failed SHA-1", infoHash.hex(), liar);
            peerGone(liar);
            liar.close("sent metadata that failed SHA-1");
        } else {
            LOG.warn("{}: metadata from {} peers failed SHA-1: asking one peer at a time", infoHash.hex(),
                    contributors.size());
            singleSource = true;
            for (MetadataExtension peer : contributors) {
                Source s = sources.get(peer);
                if (s != null) {
                    s.suspect = true;
                }
            }
        }
    }

    private void tick() {
        if (stopped || done.future().isComplete()) {
            ticking = false;
            return;
        }
        long now = clock.nanoTime();
        Attempt a = attempt;
        if (a != null) {
            for (int i = 0; i < a.askedOf.length; i++) {
                MetadataExtension peer = a.askedOf[i];
                if (peer != null && now - a.askedAtNanos[i] > TimeUnit.MILLISECONDS.toNanos(REQUEST_TIMEOUT_MILLIS)) {
                    a.askedOf[i] = null;
                    Source s = sources.get(peer);
                    if (s != null) {
                        s.outstanding--;
                        s.backoffUntilNanos = now + TimeUnit.MILLISECONDS.toNanos(BACKOFF_MILLIS);
                    }
                }
            }
        }
        pump();
        clock.schedule(TICK_MILLIS, this::tick);
    }

    /** Asks usable peers for the pieces nobody is sending, a few outstanding per peer. */
    private void pump() {
        if (stopped || done.future().isComplete()) {
            return;
        }
        long now = clock.nanoTime();
        if (attempt == null || sources.values().stream().noneMatch(s -> s.size == attempt.size)) {
            Source first = sources.values().stream().findFirst().orElse(null);
            if (first == null) {
                return;
            }
            if (attempt != null) {
                LOG.info("{}: no peer left offering {} bytes of metadata; trying {}", infoHash.hex(), attempt.size,
                        first.size);
            }
            attempt = new Attempt(first.size);
        }
        Attempt a = attempt;
        List<MetadataExtension> usable = new ArrayList<>();
        for (Map.Entry<MetadataExtension, Source> e : sources.entrySet()) {
            Source s = e.getValue();
            if (s.size == a.size && now - s.backoffUntilNanos >= 0) {
                usable.add(e.getKey());
            }
        }
        if (singleSource) {
            if (soleSource == null || !usable.contains(soleSource)) {
                soleSource = usable.stream().filter(p -> !sources.get(p).suspect).findFirst()
                        .orElse(usable.isEmpty() ? null : usable.get(0));
            }
            usable = soleSource == null ? List.of() : List.of(soleSource);
        }
        if (usable.isEmpty()) {
            return;
        }
        int next = 0;
        for (int piece = 0; piece < a.pieces.length; piece++) {
            if (a.pieces[piece] != null || a.askedOf[piece] != null) {
                continue;
            }
            MetadataExtension chosen = null;
            for (int tries = 0; tries < usable.size() && chosen == null; tries++) {
                MetadataExtension candidate = usable.get((next + tries) % usable.size());
                if (sources.get(candidate).outstanding < MAX_OUTSTANDING_PER_PEER) {
                    chosen = candidate;
                    next = (next + tries + 1) % usable.size();
                }
            }
            if (chosen == null) {
                return; // every usable peer has its fill; answers make room
            }
            a.askedOf[piece] = chosen;
            a.askedAtNanos[piece] = now;
            sources.get(chosen).outstanding++;
            chosen.request(piece);
        }
    }
}
