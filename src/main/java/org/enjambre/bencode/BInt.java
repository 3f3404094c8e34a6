package org.enjambre.bencode;

/** A bencoded integer ({@code i42e}). */
public record BInt(long value) implements BValue {
    public static BInt of(long value) {
        return new BInt(value);
    }
}
