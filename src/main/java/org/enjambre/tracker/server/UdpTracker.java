package org.enjambre.tracker.server;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.enjambre.tracker.protocol.AnnounceAnswer;
import org.enjambre.tracker.protocol.IpAddresses;
import org.enjambre.tracker.protocol.ReceivedAnnounce;
import org.enjambre.tracker.protocol.SwarmStats;
import org.enjambre.tracker.protocol.UdpTrackerCodec;
import org.enjambre.tracker.protocol.UdpTrackerRequest;

/**
 * The UDP front end of the {@link AnnounceService} (BEP 15): turns one datagram into the datagram
 * to send back, or into none. Connection ids are {@link ConnectionIds}: stateless, so any node
 * holding the cluster's key accepts an id another node issued.
 *
 * <p>Whoever owns the socket calls {@link #answer} and sends what it gives. The rules that keep
 * the tracker from being an amplifier: a datagram that is not a BEP 15 request gets nothing; an
 * address that has not completed {@code connect} (no valid connection id) gets at most as many
 * bytes as it sent (the connect answer is exactly the request's 16 bytes, an error is cut to fit).
 * Answers fit one unfragmented datagram: at most {@link UdpTrackerCodec#maxPeers} peers, IPv4
 * peers to an IPv4 client and IPv6 peers to an IPv6 one (BEP 15); a scrape names at most
 * {@link UdpTrackerCodec#MAX_SCRAPE_HASHES} torrents.
 */
public final class UdpTracker {
    /** What a client with a missing, forged or expired connection id is told (short: it may be cut). */
    static final String BAD_CONNECTION_ID = "bad connection id";

    private final AnnounceService service;
    private volatile ConnectionIds connectionIds;
    /** The key before the last change, still accepted: ids issued under it stay valid their two minutes. */
    private volatile ConnectionIds previousIds;
    private final LongSupplier clock;
    private final LongAdder connects = new LongAdder();
    private final LongAdder announces = new LongAdder();
    private final LongAdder scrapes = new LongAdder();
    private final LongAdder badConnectionIds = new LongAdder();
    private final LongAdder ignored = new LongAdder();
    private final LongAdder malformed = new LongAdder();

    /** @param clock epoch milliseconds (the connection ids' time windows) */
    public UdpTracker(AnnounceService service, ConnectionIds connectionIds, LongSupplier clock) {
        this.service = service;
        this.connectionIds = connectionIds;
        this.clock = clock;
    }

    public UdpTracker(AnnounceService service, ConnectionIds connectionIds) {
        this(service, connectionIds, System::currentTimeMillis);
    }

    /**
     * Where the answer to one datagram goes: the socket's side, so that an announce's answer is
     * encoded straight into the buffer the socket sends (no array made and copied). Exactly one of:
     * {@link #none()}; {@link #send(byte[])}; {@link #open} then {@link #send()}.
     */
    public interface Reply {
        /** Nothing is sent back. */
        void none();

        /** Sends {@code answer}. */
        void send(byte[] answer);

        /** Room for exactly {@code length} bytes from the buffer's position, big-endian, for the answer. */
        ByteBuffer open(int length);

        /** Sends the {@code length} bytes written into what {@link #open} gave. */
        void send();
    }

    /**
     * Answers one datagram through {@code reply}, exactly once. Connects and refusals are answered
     * before this returns; an announce once the registry has it, on {@code executor} for a registry
     * that works on threads of its own (the socket writes from there: no Vert.x future, no other
     * hop), before this returns for one that works on the caller's thread; a scrape on the
     * caller's Vert.x context.
     *
     * @param datagram the payload received
     * @param ip       the sender's address, 4 or 16 bytes (an IPv4-mapped IPv6 address is taken as IPv4)
     * @param port     the sender's port
     */
    public void answer(byte[] datagram, byte[] ip, int port, Executor executor, Reply reply) {
        byte[] sender = IpAddresses.normalize(ip);
        switch (UdpTrackerCodec.decodeRequest(datagram)) {
            case UdpTrackerRequest.Ignored i -> {
                ignored.increment();
                reply.none();
            }
            case UdpTrackerRequest.Connect c -> {
                connects.increment();
                reply.send(UdpTrackerCodec.connected(c.transactionId(), connectionIds.issue(sender, port, clock.getAsLong())));
            }
            case UdpTrackerRequest.Announce a -> {
                if (connected(a.connectionId(), sender, port)) {
                    announce(a, sender, executor, reply);
                } else {
                    reply.send(badConnectionId(a.transactionId(), datagram.length));
                }
            }
            case UdpTrackerRequest.Scrape s -> {
                if (connected(s.connectionId(), sender, port)) {
                    scrape(s, reply);
                } else {
                    reply.send(badConnectionId(s.transactionId(), datagram.length));
                }
            }
            case UdpTrackerRequest.Malformed m -> {
                malformed.increment();
                int room = connected(m.connectionId(), sender, port) ? maxPayload(sender) : datagram.length;
                reply.send(UdpTrackerCodec.error(m.transactionId(), m.reason(), room));
            }
        }
    }

    /**
     * {@link #answer(byte[], byte[], int, Executor, Reply)} whose {@code reply} gets the datagram to
     * send back, or {@code null} when nothing is to be sent, exactly once.
     */
    public void answer(byte[] datagram, byte[] ip, int port, Executor executor, Consumer<byte[]> reply) {
        answer(datagram, ip, port, executor, new ArrayReply(reply));
    }

    /** A {@link Reply} that hands each answer over as an array (tests, and any socket that wants arrays). */
    private static final class ArrayReply implements Reply {
        private final Consumer<byte[]> to;
        private ByteBuffer opened;

        ArrayReply(Consumer<byte[]> to) {
            this.to = to;
        }

        @Override
        public void none() {
            to.accept(null);
        }

        @Override
        public void send(byte[] answer) {
            to.accept(answer);
        }

        @Override
        public ByteBuffer open(int length) {
            opened = ByteBuffer.allocate(length);
            return opened;
        }

        @Override
        public void send() {
            to.accept(opened.array());
        }
    }

    /** {@link #answer(byte[], byte[], int, Executor, Consumer)} as a stage of the answer or {@code null}, completed on the registry's thread. */
    public CompletionStage<byte[]> answer(byte[] datagram, byte[] ip, int port) {
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        answer(datagram, ip, port, Runnable::run, answer::complete);
        return answer;
    }

    private boolean connected(long connectionId, byte[] sender, int port) {
        long now = clock.getAsLong();
        ConnectionIds previous = previousIds;
        return connectionIds.valid(connectionId, sender, port, now)
                || previous != null && previous.valid(connectionId, sender, port, now);
    }

    /**
     * Takes another key (the cluster's, when two halves of a split cluster merged with different
     * ones); ids issued under the current key stay accepted until the next change.
     */
    public void rekey(ConnectionIds ids) {
        previousIds = connectionIds;
        connectionIds = ids;
    }

    private byte[] badConnectionId(int transactionId, int requestLength) {
        badConnectionIds.increment();
        return UdpTrackerCodec.error(transactionId, BAD_CONNECTION_ID, requestLength);
    }

    private void announce(UdpTrackerRequest.Announce a, byte[] sender, Executor executor, Reply reply) {
        announces.increment();
        byte[] registered = sender;
        // As over HTTP, only a client on loopback may name another address (a local proxy, a test).
        if (a.ipv4() != 0 && IpAddresses.isLoopback(sender) && unicast(a.ipv4())) {
            registered = new byte[] {(byte) (a.ipv4() >>> 24), (byte) (a.ipv4() >>> 16), (byte) (a.ipv4() >>> 8), (byte) a.ipv4()};
        }
        CompletionStage<AnnounceAnswer> answer = service.announce(new ReceivedAnnounce(a.request(), registered, true, true), executor);
        // A registry on the caller's thread (the lone node's) hands back a finished stage: read it
        // as it is rather than chaining a stage and a callback onto it.
        if (answer instanceof CompletableFuture<AnnounceAnswer> done && done.isDone()) {
            switch (done.state()) {
                case SUCCESS -> announced(a.transactionId(), done.resultNow(), sender.length == 16, reply);
                case FAILED -> reply.send(refused(a.transactionId(), done.exceptionNow(), sender));
                default -> reply.send(refused(a.transactionId(), new java.util.concurrent.CancellationException(), sender));
            }
            return;
        }
        answer.whenComplete((answered, failure) -> {
            if (failure != null) {
                reply.send(refused(a.transactionId(), failure, sender));
            } else {
                announced(a.transactionId(), answered, sender.length == 16, reply);
            }
        });
    }

    private void announced(int transactionId, AnnounceAnswer answer, boolean ipv6, Reply reply) {
        if (!answer.packed()) {
            answer = AnnounceAnswer.packed(answer.stats(), answer.peers());
        }
        byte[] peers = ipv6 ? answer.compact6() : answer.compact4();
        int entry = ipv6 ? 18 : 6;
        int length = Math.min(peers.length, UdpTrackerCodec.maxPeers(ipv6) * entry);
        UdpTrackerCodec.announced(reply.open(UdpTrackerCodec.ANNOUNCE_ANSWER_HEADER + length), transactionId,
                service.policy().intervalSeconds(), answer.stats().incomplete(), answer.stats().complete(), peers, 0, length);
        reply.send();
    }

    private void scrape(UdpTrackerRequest.Scrape s, Reply reply) {
        scrapes.increment();
        List<byte[]> hashes = s.infoHashes();
        service.scrape(hashes).onComplete(ar -> {
            if (ar.failed()) {
                reply.send(refused(s.transactionId(), ar.cause(), null));
                return;
            }
            Map<String, SwarmStats> found = ar.result();
            // One entry per hash asked, in order, duplicates included: the client matches by position.
            List<SwarmStats> stats = new ArrayList<>(hashes.size());
            HexFormat hex = HexFormat.of();
            for (byte[] h : hashes) {
                stats.add(found.getOrDefault(hex.formatHex(h), SwarmStats.EMPTY));
            }
            reply.send(UdpTrackerCodec.scraped(s.transactionId(), stats));
        });
    }

    private static byte[] refused(int transactionId, Throwable cause, byte[] sender) {
        return UdpTrackerCodec.error(transactionId, AnnounceService.refusalOf(cause).reason(), sender == null ? UdpTrackerCodec.MAX_PAYLOAD_IPV6 : maxPayload(sender));
    }

    private static int maxPayload(byte[] sender) {
        return sender.length == 16 ? UdpTrackerCodec.MAX_PAYLOAD_IPV6 : UdpTrackerCodec.MAX_PAYLOAD_IPV4;
    }

    /** Not 0.0.0.0/8, not multicast or reserved (224.0.0.0 and up). */
    private static boolean unicast(int ipv4) {
        int first = ipv4 >>> 24;
        return first != 0 && first < 224;
    }

    /** Datagrams answered or dropped so far, by kind: for metrics and tests. */
    public record Counts(long connects, long announces, long scrapes, long badConnectionIds, long malformed, long ignored) {
    }

    public Counts counts() {
        return new Counts(connects.sum(), announces.sum(), scrapes.sum(), badConnectionIds.sum(), malformed.sum(), ignored.sum());
    }
}
