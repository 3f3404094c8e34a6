package org.enjambre.bencode;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A bencoded dictionary ({@code d...e}). Keys are byte strings held as ISO-8859-1 strings (one
 * char per byte), so the map's natural order is the raw-byte order BEP 3 requires.
 */
public record BDict(SortedMap<String, BValue> entries) implements BValue {
    public BDict {
        entries = Collections.unmodifiableSortedMap(new TreeMap<>(entries));
    }

    public static Builder builder() {
        return new Builder();
    }

    public BValue get(String key) {
        return entries.get(key);
    }

    public boolean has(String key) {
        return entries.containsKey(key);
    }

    public Optional<BValue> find(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    /** Ordered map builder; {@code null} values are skipped so optional fields read naturally. */
    public static final class Builder {
        private final TreeMap<String, BValue> map = new TreeMap<>();

        public Builder put(String key, BValue value) {
            if (value != null) {
                map.put(key, value);
            }
            return this;
        }

        /** A key given as raw bytes. */
        public Builder put(byte[] key, BValue value) {
            return put(new String(key, StandardCharsets.ISO_8859_1), value);
        }

        public Builder put(String key, long value) {
            return put(key, new BInt(value));
        }

        public Builder put(String key, String utf8) {
            return utf8 == null ? this : put(key, BBytes.of(utf8));
        }

        public Builder put(String key, byte[] bytes) {
            return bytes == null ? this : put(key, BBytes.of(bytes));
        }

        public Builder putAll(Map<String, BValue> entries) {
            entries.forEach(this::put);
            return this;
        }

        public BDict build() {
            return new BDict(map);
        }
    }
}
