package org.enjambre.bencode;

/** Where a value was found in its input: bytes {@code [start, end)}. */
public record Span(int start, int end) {
    public int length() {
        return end - start;
    }
}
