package org.enjambre.dht;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The routing table of BEP 5: buckets of at most {@link #K} nodes over the 160-bit id space, where
 * only the bucket that holds our own id splits when full (so we know many nodes near us and a few
 * far away). Bucket {@code i} holds nodes whose id shares exactly {@code i} leading bits with ours;
 * the last bucket holds everything nearer. A node enters only once it has answered one of our
 * queries (a node that merely queried us is not known to answer). Each node is good (answered
 * within {@link #GOOD_FOR_MILLIS}, or answered once and queried us within it), questionable
 * (silent for longer), or bad (failed {@link #FAILURES_BAD} queries in a row); a full bucket
 * replaces a bad node at once, keeps a newcomer in a bounded replacement cache while its
 * questionable nodes are pinged, and promotes from the cache when one of them turns bad. Not
 * thread-safe: the node drives it from its one context. Time is read from the given clock.
 */
public final class RoutingTable {
    /** Nodes per bucket (BEP 5). */
    public static final int K = 8;
    /** How long a node stays good without news, and how long a bucket may go unchanged before a refresh. */
    public static final long GOOD_FOR_MILLIS = 15 * 60_000L;
    /** Failed queries in a row that make a node bad. */
    public static final int FAILURES_BAD = 2;
    /** Candidates kept per bucket to replace nodes that turn bad. */
    public static final int REPLACEMENTS = K;

    public enum Status { GOOD, QUESTIONABLE, BAD }

    /** What {@link #heardFrom} did with a node. */
    public sealed interface Outcome permits Added, Updated, Pending, Refused {
    }

    /** The node is new in the table. */
    public record Added() implements Outcome {
    }

    /** The node was there; its times are fresh. */
    public record Updated() implements Outcome {
    }

    /** The bucket is full: the node waits in the cache; ping these questionable nodes to make room. */
    public record Pending(List<NodeInfo> toPing) implements Outcome {
    }

    /** Our own id, or an id already held at another address (we keep the one we know). */
    public record Refused(String reason) implements Outcome {
    }

    private static final class Entry {
        NodeInfo info;
        long lastResponse;
        long lastQuery = Long.MIN_VALUE;
        int failures;

        Entry(NodeInfo info, long now) {
            this.info = info;
            this.lastResponse = now;
        }
    }

    private static final class Bucket {
        final List<Entry> nodes = new ArrayList<>(K);
        final ArrayDeque<NodeInfo> replacements = new ArrayDeque<>(REPLACEMENTS);
        long lastChanged;

        Bucket(long now) {
            lastChanged = now;
        }
    }

    private final NodeId own;
    private final LongSupplier clockMillis;
    private final List<Bucket> buckets = new ArrayList<>();

    public RoutingTable(NodeId own, LongSupplier clockMillis) {
        this.own = own;
        this.clockMillis = clockMillis;
        buckets.add(new Bucket(clockMillis.getAsLong()));
    }

    public NodeId ownId() {
        return own;
    }

    /**
     * A node answered our query ({@code response}) or queried us. An answer adds it or refreshes it;
     * a query only refreshes a node already known.
     */
    public Outcome heardFrom(NodeInfo node, boolean response) {
        if (node.id().equals(own)) {
            return new Refused("our own id");
        }
        long now = clockMillis.getAsLong();
        for (int guard = 0; guard <= NodeId.BITS; guard++) {
            int index = indexOf(node.id());
            Bucket bucket = buckets.get(index);
            Entry known = find(bucket, node.id());
            if (known != null) {
                if (!known.info.address().equals(node.address())) {
                    return new Refused("id already known at " + known.info.address());
                }
                if (response) {
                    known.lastResponse = now;
                    known.failures = 0;
                    bucket.lastChanged = now;
                } else {
                    known.lastQuery = now;
                }
                return new Updated();
            }
            if (!response) {
                return new Refused("not known to answer");
            }
            if (bucket.nodes.size() < K) {
                bucket.nodes.add(new Entry(node, now));
                bucket.replacements.removeIf(r -> r.id().equals(node.id()));
                bucket.lastChanged = now;
                return new Added();
            }
            if (index == buckets.size() - 1 && buckets.size() < NodeId.BITS) {
                split();
                continue;
            }
            for (Entry e : bucket.nodes) {
                if (status(e, now) == Status.BAD) {
                    e.info = node;
                    e.lastResponse = now;
                    e.lastQuery = Long.MIN_VALUE;
                    e.failures = 0;
                    bucket.lastChanged = now;
                    return new Added();
                }
            }
            bucket.replacements.removeIf(r -> r.id().equals(node.id()));
            if (bucket.replacements.size() == REPLACEMENTS) {
                bucket.replacements.pollFirst();
            }
            bucket.replacements.addLast(node);
            return new Pending(bucket.nodes.stream().filter(e -> status(e, now) == Status.QUESTIONABLE)
                    .map(e -> e.info).toList());
        }
        throw new IllegalStateException("bucket split did not converge");
    }

    /** A query to this node went unanswered; once bad, it gives its place to the newest candidate. */
    public void failed(NodeId id) {
        long now = clockMillis.getAsLong();
        Bucket bucket = buckets.get(indexOf(id));
        Entry e = find(bucket, id);
        if (e == null) {
            bucket.replacements.removeIf(r -> r.id().equals(id));
            return;
        }
        e.failures++;
        if (status(e, now) == Status.BAD && !bucket.replacements.isEmpty()) {
            e.info = bucket.replacements.pollLast();
            e.lastResponse = now;
            e.lastQuery = Long.MIN_VALUE;
            e.failures = 0;
            bucket.lastChanged = now;
        }
    }

    /** Would an answer from this id find a place now (room, a split, or a bad node to replace)? */
    public boolean hasRoomFor(NodeId id) {
        if (id.equals(own)) {
            return false;
        }
        int index = indexOf(id);
        Bucket bucket = buckets.get(index);
        long now = clockMillis.getAsLong();
        return find(bucket, id) == null && (bucket.nodes.size() < K
                || (index == buckets.size() - 1 && buckets.size() < NodeId.BITS)
                || bucket.nodes.stream().anyMatch(e -> status(e, now) == Status.BAD));
    }

    public boolean contains(NodeId id) {
        return find(buckets.get(indexOf(id)), id) != null;
    }

    public Status status(NodeId id) {
        Entry e = find(buckets.get(indexOf(id)), id);
        if (e == null) {
            throw new IllegalArgumentException("not in the table: " + id);
        }
        return status(e, clockMillis.getAsLong());
    }

    /** The {@code count} nodes nearest {@code target} that are not bad, nearest first. */
    public List<NodeInfo> closest(NodeId target, int count) {
        long now = clockMillis.getAsLong();
        return buckets.stream().flatMap(b -> b.nodes.stream()).filter(e -> status(e, now) != Status.BAD)
                .map(e -> e.info).sorted(Comparator.comparing(NodeInfo::id, target::compareDistance))
                .limit(count).toList();
    }

    /** Every good node, to be saved for the next run. */
    public List<NodeInfo> goodNodes() {
        long now = clockMillis.getAsLong();
        return buckets.stream().flatMap(b -> b.nodes.stream()).filter(e -> status(e, now) == Status.GOOD)
                .map(e -> e.info).toList();
    }

    /** Every node that is not good (questionable or bad), to be pinged. */
    public List<NodeInfo> questionableNodes() {
        long now = clockMillis.getAsLong();
        return buckets.stream().flatMap(b -> b.nodes.stream()).filter(e -> status(e, now) == Status.QUESTIONABLE)
                .map(e -> e.info).toList();
    }

    /**
     * Lookup targets for buckets unchanged for {@link #GOOD_FOR_MILLIS}: a random id in each such
     * bucket's range. The buckets count as refreshed now, so each is asked for once per period.
     */
    public List<NodeId> refreshTargets() {
        long now = clockMillis.getAsLong();
        List<NodeId> targets = new ArrayList<>();
        for (int i = 0; i < buckets.size(); i++) {
            Bucket b = buckets.get(i);
            if (now - b.lastChanged >= GOOD_FOR_MILLIS) {
                targets.add(NodeId.randomWithPrefix(own, i));
                b.lastChanged = now;
            }
        }
        return targets;
    }

    /**
     * Lookup targets right after a join: for each prefix length {@code i} shorter than our nearest
     * neighbour's, where the table holds fewer than {@link #K} nodes sharing exactly {@code i}
     * leading bits with us, a random id there. Looking our own id up fills only the part of the
     * table near us (it asks nodes ever nearer to us), so without this a node that joined through a
     * node of its own half can stay with no node of the other half: nobody there ever queries it,
     * and its lookups for targets over there end among its own half's nodes. Kademlia refreshes
     * every bucket farther than the nearest neighbour at join for this reason. Counted per prefix
     * length, not per bucket: before our bucket splits, one bucket holds every range.
     */
    public List<NodeId> sparseRangeTargets() {
        int[] perPrefix = new int[NodeId.BITS + 1];
        int nearest = -1;
        for (Bucket b : buckets) {
            for (Entry e : b.nodes) {
                int cpl = own.commonPrefixLength(e.info.id());
                perPrefix[cpl]++;
                nearest = Math.max(nearest, cpl);
            }
        }
        long now = clockMillis.getAsLong();
        List<NodeId> targets = new ArrayList<>();
        for (int i = 0; i < nearest; i++) {
            if (perPrefix[i] < K) {
                targets.add(NodeId.randomWithPrefix(own, i));
                buckets.get(Math.min(i, buckets.size() - 1)).lastChanged = now;
            }
        }
        return targets;
    }

    public int size() {
        return buckets.stream().mapToInt(b -> b.nodes.size()).sum();
    }

    public int bucketCount() {
        return buckets.size();
    }

    /** Nodes in bucket {@code index} (0 = farthest half of the id space). */
    public List<NodeInfo> bucket(int index) {
        return buckets.get(index).nodes.stream().map(e -> e.info).toList();
    }

    public List<NodeInfo> replacements(int index) {
        return List.copyOf(buckets.get(index).replacements);
    }

    private int indexOf(NodeId id) {
        return Math.min(own.commonPrefixLength(id), buckets.size() - 1);
    }

    private void split() {
        int last = buckets.size() - 1;
        Bucket old = buckets.get(last);
        Bucket near = new Bucket(old.lastChanged);
        buckets.add(near);
        for (Iterator<Entry> it = old.nodes.iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (own.commonPrefixLength(e.info.id()) > last) {
                near.nodes.add(e);
                it.remove();
            }
        }
        for (Iterator<NodeInfo> it = old.replacements.iterator(); it.hasNext(); ) {
            NodeInfo r = it.next();
            if (own.commonPrefixLength(r.id()) > last) {
                near.replacements.add(r);
                it.remove();
            }
        }
    }

    private static Entry find(Bucket bucket, NodeId id) {
        for (Entry e : bucket.nodes) {
            if (e.info.id().equals(id)) {
                return e;
            }
        }
        return null;
    }

    private static Status status(Entry e, long now) {
        if (e.failures >= FAILURES_BAD) {
            return Status.BAD;
        }
        if (now - e.lastResponse < GOOD_FOR_MILLIS || (e.lastQuery != Long.MIN_VALUE && now - e.lastQuery < GOOD_FOR_MILLIS)) {
            return Status.GOOD;
        }
        return Status.QUESTIONABLE;
    }
}
