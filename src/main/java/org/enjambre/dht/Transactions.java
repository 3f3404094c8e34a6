package org.enjambre.dht;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.enjambre.net.PeerAddress;

/**
 * Our outstanding queries, by the 2-byte transaction id we chose. An answer is matched only when
 * it comes from the address the query went to (a third party cannot answer for another node);
 * each query has a deadline, and the number outstanding is capped. Not thread-safe.
 *
 * @param <T> what waits for the answer
 */
public final class Transactions<T> {
    /** Queries outstanding at once: ids are 16 bits, and a node never needs that many. */
    public static final int MAX_OUTSTANDING = 4096;

    /** One outstanding query. */
    public record Pending<T>(PeerAddress to, long deadlineMillis, T waiter) {
    }

    private final Map<Integer, Pending<T>> pending = new HashMap<>();
    private int next = ThreadLocalRandom.current().nextInt(1 << 16);

    /** Opens a transaction; null when {@link #MAX_OUTSTANDING} are already open. */
    public byte[] open(PeerAddress to, long deadlineMillis, T waiter) {
        if (pending.size() >= MAX_OUTSTANDING) {
            return null;
        }
        for (int guard = 0; guard < 1 << 16; guard++) {
            next = (next + 1) & 0xffff;
            if (!pending.containsKey(next)) {
                pending.put(next, new Pending<>(to, deadlineMillis, waiter));
                return new byte[] {(byte) (next >>> 8), (byte) next};
            }
        }
        return null;
    }

    /** The waiter of the query this answer closes, or null (unknown id, or from another address). */
    public T close(byte[] transactionId, PeerAddress from) {
        if (transactionId.length != 2) {
            return null;
        }
        int id = ((transactionId[0] & 0xff) << 8) | (transactionId[1] & 0xff);
        Pending<T> p = pending.get(id);
        if (p == null || !p.to().equals(from)) {
            return null;
        }
        pending.remove(id);
        return p.waiter();
    }

    /** Removes and returns the queries whose deadline has passed. */
    public List<Pending<T>> expire(long nowMillis) {
        List<Pending<T>> out = new ArrayList<>();
        for (Iterator<Pending<T>> it = pending.values().iterator(); it.hasNext(); ) {
            Pending<T> p = it.next();
            if (p.deadlineMillis() <= nowMillis) {
                out.add(p);
                it.remove();
            }
        }
        return out;
    }

    /** Removes and returns every outstanding query (the node is closing). */
    public List<Pending<T>> drain() {
        List<Pending<T>> out = new ArrayList<>(pending.values());
        pending.clear();
        return out;
    }

    public int outstanding() {
        return pending.size();
    }
}
