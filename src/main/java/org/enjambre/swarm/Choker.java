package org.enjambre.swarm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Tit-for-tat as a pure function, so that it is tested without sockets: given the interested peers
 * and each one's rate over the last round, which get the regular upload slots and which one holds
 * the optimistic unchoke.
 */
public final class Choker {
    private Choker() {
    }

    /** An interested peer and its rate in the last round (bytes; higher is better; -1 never wins a slot). */
    public record Candidate<T>(T peer, long rate) {
    }

    /** The peers to unchoke: {@code regular} by rate, plus {@code optimistic} (null if none). */
    public record Selection<T>(Set<T> regular, T optimistic) {
    }

    /**
     * @param slots             regular slots
     * @param currentOptimistic the holder of the optimistic unchoke now (null for none)
     * @param rotate            whether the optimistic unchoke moves on this round
     */
    public static <T> Selection<T> select(List<Candidate<T>> interested, int slots, T currentOptimistic,
                                          boolean rotate, Random random) {
        List<Candidate<T>> order = new ArrayList<>(interested);
        Collections.shuffle(order, random); // equal rates: a random order, not the connection order
        order.sort(Comparator.comparingLong((Candidate<T> c) -> c.rate()).reversed());
        Set<T> regular = new LinkedHashSet<>();
        List<T> rest = new ArrayList<>();
        for (Candidate<T> c : order) {
            if (regular.size() < slots && c.rate() >= 0) {
                regular.add(c.peer());
            } else {
                rest.add(c.peer());
            }
        }
        T optimistic = null;
        if (!rotate && currentOptimistic != null && rest.contains(currentOptimistic)) {
            optimistic = currentOptimistic;
        } else if (!rest.isEmpty()) {
            List<T> others = new ArrayList<>(rest);
            if (others.size() > 1) {
                others.remove(currentOptimistic); // rotating means someone else gets the chance
            }
            optimistic = others.get(random.nextInt(others.size()));
        }
        return new Selection<>(regular, optimistic);
    }
}
