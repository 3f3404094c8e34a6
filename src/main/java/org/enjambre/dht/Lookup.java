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
 * going. Pure: the node sends the queries this names and feeds back answers and failures.
 */
public final class Lookup {
    /** Queries one lookup may send in all. */
    public static final int MAX_QUERIES = 128;
    /** Candidates remembered: the farthest are forgotten first. */
    public static final int MAX_CANDIDATES = 256;

    private enum State { NEW, IN_FLIGHT, ANSWERED, FAILED }

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
        int seen = 0;
        for (Candidate c : candidates.values()) {
            if (inFlight >= alpha || queries >= MAX_QUERIES) {
                break;
            }
            if (c.state == State.FAILED) {
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
        if (c != null && c.state == State.IN_FLIGHT && c.node.address().equals(from.address())) {
            c.state = State.ANSWERED;
            c.token = token;
            inFlight--;
        }
        nodes.forEach(this::learn);
        peers.addAll(values);
    }

    /** A queried node did not answer (timeout or error). */
    public void failed(NodeInfo node) {
        Candidate c = candidates.get(node.id());
        if (c != null && c.state == State.IN_FLIGHT) {
            c.state = State.FAILED;
            inFlight--;
        }
    }

    /** True when the k nearest live candidates have all answered, or there is nothing left to do. */
    public boolean done() {
        if (inFlight > 0) {
            return false;
        }
        int seen = 0;
        for (Candidate c : candidates.values()) {
            if (c.state == State.FAILED) {
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
