package org.enjambre.dht;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.enjambre.net.PeerAddress;

/**
 * One iterative lookup (BEP 5, Kademlia): ask the nodes nearest a target, learn nearer ones from
 * their answers, ask those, with up to {@code alpha} queries in flight. It ends when every one of
 * the {@code k} nearest nodes known (leaving out those that failed) has answered: nothing nearer
 * can be learnt. The total number of queries is capped, so a hostile answer stream cannot keep it
 * going. A query unanswered for a short while is {@linkplain #slow slow}: its slot goes to the next
 * candidate and the end no longer waits for it (as libtorrent's short timeout), though a late answer
 * still counts; so one silent node costs a lookup a second, not the whole query timeout. Pure: the
 * node sends the queries this names and feeds back answers, failures and slow queries.
 */
public final class Lookup {
    /** Queries one lookup may send in all. */
    public static final int MAX_QUERIES = 128;
    /** Candidates remembered: the farthest are forgotten first. */
    public static final int MAX_CANDIDATES = 256;

    private enum State { NEW, IN_FLIGHT, SLOW, ANSWERED, FAILED }

    private static final class Candidate {
        final NodeInfo node;
        State state = State.NEW;
        byte[] token;

        Candidate(NodeInfo node) {
            this.node = node;
        }
    }

    /** A node that answered, with the token it gave (null when none): whom to announce to. */
    public record Responder(NodeInfo node, byte[] token) {
    }

    private final NodeId target;
    private final int alpha;
    private final int k;
    private final TreeMap<NodeId, Candidate> candidates;
    private final Set<PeerAddress> peers = new LinkedHashSet<>();
    private int inFlight;
    private int queries;
    private boolean ended;

    public Lookup(NodeId target, List<NodeInfo> start, int alpha, int k) {
        this.target = target;
        this.alpha = alpha;
        this.k = k;
        this.candidates = new TreeMap<>(target::compareDistance);
        start.forEach(this::learn);
    }

    public NodeId target() {
        return target;
    }

    /** Nodes to query now (each marked in flight); empty when enough are in flight or none is left to ask. */
    public List<NodeInfo> next() {
        List<NodeInfo> out = new ArrayList<>();
        if (ended) {
            return out;
        }
        int seen = 0;
        for (Candidate c : candidates.values()) {
            if (inFlight >= alpha || queries >= MAX_QUERIES) {
                break;
            }
            if (c.state == State.FAILED || c.state == State.SLOW) {
                continue;
            }
            if (++seen > k) {
                break; // only the k nearest live candidates are worth asking
            }
            if (c.state == State.NEW) {
                c.state = State.IN_FLIGHT;
                inFlight++;
                queries++;
                out.add(c.node);
            }
        }
        return out;
    }

    /** A queried node answered with nearer nodes, and for get_peers maybe peers and a token. */
    public void answered(NodeInfo from, List<NodeInfo> nodes, List<PeerAddress> values, byte[] token) {
        Candidate c = candidates.get(from.id());
        if (c != null && (c.state == State.IN_FLIGHT || c.state == State.SLOW) && c.node.address().equals(from.address())) {
            if (c.state == State.IN_FLIGHT) {
                inFlight--;
            }
            c.state = State.ANSWERED;
            c.token = token;
        }
        nodes.forEach(this::learn);
        peers.addAll(values);
    }

    /** A queried node did not answer (timeout or error). */
    public void failed(NodeInfo node) {
        Candidate c = candidates.get(node.id());
        if (c != null && (c.state == State.IN_FLIGHT || c.state == State.SLOW)) {
            if (c.state == State.IN_FLIGHT) {
                inFlight--;
            }
            c.state = State.FAILED;
        }
    }

    /**
     * A queried node has not answered for the short timeout: its slot goes to the next candidate and
     * the lookup no longer waits for it. True when that changed anything (it was still in flight).
     */
    public boolean slow(NodeInfo node) {
        Candidate c = candidates.get(node.id());
        if (c == null || c.state != State.IN_FLIGHT || !c.node.address().equals(node.address())) {
            return false;
        }
        c.state = State.SLOW;
        inFlight--;
        return true;
    }

    /** The lookup's result was taken: late answers may still teach nodes and peers, but nothing more is asked. */
    public void end() {
        ended = true;
    }

    /** True when the k nearest live candidates have all answered, or there is nothing left to do. */
    public boolean done() {
        if (inFlight > 0) {
            return false;
        }
        int seen = 0;
        for (Candidate c : candidates.values()) {
            if (c.state == State.FAILED || c.state == State.SLOW) {
                continue;
            }
            if (++seen > k) {
                break;
            }
            if (c.state == State.NEW && queries < MAX_QUERIES) {
                return false;
            }
        }
        return true;
    }

    /** Peers known without asking (our own store): they count as found. */
    public void addPeers(List<PeerAddress> known) {
        peers.addAll(known);
    }

    /** Peers learnt from {@code values}, in the order they came. */
    public List<PeerAddress> peers() {
        return List.copyOf(peers);
    }

    /** The k nearest nodes that answered, nearest first. */
    public List<Responder> closestResponders() {
        List<Responder> out = new ArrayList<>(k);
        for (Candidate c : candidates.values()) {
            if (c.state == State.ANSWERED) {
                out.add(new Responder(c.node, c.token));
                if (out.size() == k) {
                    break;
                }
            }
        }
        return out;
    }

    /** Queries sent so far (a lookup's cost in round trips to other nodes). */
    public int queries() {
        return queries;
    }

    private void learn(NodeInfo node) {
        if (candidates.containsKey(node.id())) {
            return;
        }
        candidates.put(node.id(), new Candidate(node));
        if (candidates.size() > MAX_CANDIDATES) {
            Map.Entry<NodeId, Candidate> farthest = candidates.lastEntry();
            if (farthest.getValue().state == State.IN_FLIGHT) {
                inFlight--; // its answer, if any, will be ignored
            }
            candidates.pollLastEntry();
        }
    }
}
