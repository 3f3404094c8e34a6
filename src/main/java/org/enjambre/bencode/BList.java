package org.enjambre.bencode;

import java.util.List;

/** A bencoded list ({@code l...e}). */
public record BList(List<BValue> values) implements BValue {
    public BList {
        values = List.copyOf(values);
    }

    public static BList of(BValue... values) {
        return new BList(List.of(values));
    }

    public int size() {
        return values.size();
    }

    public BValue get(int index) {
        return values.get(index);
    }
}
