package org.enjambre.wire.ext;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.enjambre.bencode.BBytes;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.BInt;
import org.enjambre.bencode.BValue;

/**
 * The BEP 10 extended handshake: extended message 0, a bencoded dictionary sent right after the
 * BitTorrent handshake by both sides that set the extension bit.
 *
 * @param extensionIds  {@code m}: extension name → the message id the sender wants to receive it
 *                      under; id 0 means the sender turns that extension off (BEP 10)
 * @param version       {@code v}: client name and version
 * @param port          {@code p}: the sender's listen port
 * @param reqq          {@code reqq}: how many outstanding requests the sender will queue
 * @param yourIp        {@code yourip}: the receiver's address as the sender sees it
 * @param metadataSize  {@code metadata_size} (BEP 9): size of the info dictionary in bytes
 * @param others        every other key, kept as it came, so that an extension may read its own fields
 */
public record ExtendedHandshake(Map<String, Integer> extensionIds, Optional<String> version, OptionalInt port,
                                OptionalInt reqq, Optional<InetAddress> yourIp, OptionalLong metadataSize,
                                BDict others) {
    /** Most entries accepted in {@code m}; real clients send about ten. */
    public static final int MAX_EXTENSIONS = 128;
    /** Longest extension name accepted in {@code m}. */
    public static final int MAX_NAME_LENGTH = 64;
    /** Longest {@code v} accepted. */
    public static final int MAX_VERSION_LENGTH = 256;
    /** Highest extended message id: it is one byte on the wire. */
    public static final int MAX_ID = 255;

    private static final String M = "m";
    private static final String V = "v";
    private static final String P = "p";
    private static final String REQQ = "reqq";
    private static final String YOURIP = "yourip";
    private static final String METADATA_SIZE = "metadata_size";
    private static final Set<String> KNOWN = Set.of(M, V, P, REQQ, YOURIP, METADATA_SIZE);
    private static final String WHAT = "extended handshake";

    public ExtendedHandshake {
        extensionIds = Collections.unmodifiableSortedMap(new TreeMap<>(extensionIds));
        if (extensionIds.size() > MAX_EXTENSIONS) {
            throw new IllegalArgumentException("more than " + MAX_EXTENSIONS + " extensions");
        }
        extensionIds.forEach((name, id) -> {
            if (name.isEmpty() || name.length() > MAX_NAME_LENGTH || id < 0 || id > MAX_ID) {
                throw new IllegalArgumentException("bad extension entry " + name + "=" + id);
            }
        });
        if (port.isPresent() && (port.getAsInt() < 1 || port.getAsInt() > 65535)) {
            throw new IllegalArgumentException("port out of range: " + port.getAsInt());
        }
        if (reqq.isPresent() && reqq.getAsInt() < 0) {
            throw new IllegalArgumentException("negative reqq");
        }
        if (metadataSize.isPresent() && metadataSize.getAsLong() < 0) {
            throw new IllegalArgumentException("negative metadata_size");
        }
        for (String key : others.entries().keySet()) {
            if (KNOWN.contains(key)) {
                throw new IllegalArgumentException("\"" + key + "\" has its own field");
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The id the sender wants for {@code name}; empty when it did not offer it or turned it off (0). */
    public OptionalInt idOf(String name) {
        Integer id = extensionIds.get(name);
        return id == null || id == 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The payload of extended message 0. */
    public byte[] encode() {
        BDict.Builder m = BDict.builder();
        extensionIds.forEach((name, id) -> m.put(name, id));
        BDict.Builder d = BDict.builder().putAll(others.entries()).put(M, m.build());
        version.ifPresent(v -> d.put(V, v));
        port.ifPresent(p -> d.put(P, p));
        reqq.ifPresent(r -> d.put(REQQ, r));
        yourIp.ifPresent(ip -> d.put(YOURIP, ip.getAddress()));
        metadataSize.ifPresent(s -> d.put(METADATA_SIZE, s));
        return d.build().encode();
    }

    /**
     * Reads the payload of extended message 0. A missing {@code m} reads as no extensions; a {@code p}
     * of 0 as no port. Wrong types, ids outside 0..255, {@code yourip} of neither 4 nor 16 bytes and
     * anything over the named limits are refused.
     */
    public static ExtendedHandshake decode(byte[] payload) throws ExtensionMessageException {
        Fields f = Fields.whole(WHAT, payload);
        Map<String, Integer> ids = new TreeMap<>();
        Optional<BDict> m = f.optionalDict(M);
        if (m.isPresent()) {
            SortedMap<String, BValue> entries = m.get().entries();
            if (entries.size() > MAX_EXTENSIONS) {
                throw new ExtensionMessageException(WHAT + ": " + entries.size() + " extensions in \"m\" exceed "
                        + MAX_EXTENSIONS);
            }
            for (Map.Entry<String, BValue> e : entries.entrySet()) {
                String name = e.getKey();
                if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
                    throw new ExtensionMessageException(WHAT + ": extension name of " + name.length()
                            + " bytes (1.." + MAX_NAME_LENGTH + ")");
                }
                if (!(e.getValue() instanceof BInt(long id))) {
                    throw new ExtensionMessageException(WHAT + ": id of \"" + name + "\" in \"m\" is not an integer");
                }
                if (id < 0 || id > MAX_ID) {
                    throw new ExtensionMessageException(WHAT + ": id of \"" + name + "\" is " + id + ", outside 0.."
                            + MAX_ID);
                }
                ids.put(name, (int) id);
            }
        }
        Optional<String> version = f.optionalBytes(V, MAX_VERSION_LENGTH)
                .map(b -> new String(b, StandardCharsets.UTF_8));
        OptionalInt port = toInt(f.optionalInteger(P, 0, 65535).filter(p -> p != 0));
        OptionalInt reqq = toInt(f.optionalInteger(REQQ, 0, Integer.MAX_VALUE));
        Optional<InetAddress> yourIp = Optional.empty();
        Optional<byte[]> ip = f.optionalBytes(YOURIP, 16);
        if (ip.isPresent()) {
            if (ip.get().length != 4 && ip.get().length != 16) {
                throw new ExtensionMessageException(WHAT + ": \"yourip\" of " + ip.get().length
                        + " bytes (want 4 or 16)");
            }
            yourIp = Optional.of(address(ip.get()));
        }
        Optional<Long> size = f.optionalInteger(METADATA_SIZE, 0, Long.MAX_VALUE);
        OptionalLong metadataSize = size.map(OptionalLong::of).orElse(OptionalLong.empty());
        TreeMap<String, BValue> others = new TreeMap<>(f.dict().entries());
        others.keySet().removeAll(KNOWN);
        return new ExtendedHandshake(ids, version, port, reqq, yourIp, metadataSize, new BDict(others));
    }

    private static OptionalInt toInt(Optional<Long> v) {
        return v.map(x -> OptionalInt.of(Math.toIntExact(x))).orElse(OptionalInt.empty());
    }

    private static InetAddress address(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are always an address", e);
        }
    }

    /** Builds a handshake; what is not set is left out of the dictionary. */
    public static final class Builder {
        private final TreeMap<String, Integer> ids = new TreeMap<>();
        private final BDict.Builder others = BDict.builder();
        private String version;
        private OptionalInt port = OptionalInt.empty();
        private OptionalInt reqq = OptionalInt.empty();
        private InetAddress yourIp;
        private OptionalLong metadataSize = OptionalLong.empty();

        private Builder() {
        }

        public Builder extension(String name, int id) {
            ids.put(name, id);
            return this;
        }

        public Builder version(String version) {
            this.version = version;
            return this;
        }

        public Builder port(int port) {
            this.port = OptionalInt.of(port);
            return this;
        }

        public Builder reqq(int reqq) {
            this.reqq = OptionalInt.of(reqq);
            return this;
        }

        public Builder yourIp(InetAddress yourIp) {
            this.yourIp = yourIp;
            return this;
        }

        public Builder metadataSize(long metadataSize) {
            this.metadataSize = OptionalLong.of(metadataSize);
            return this;
        }

        /** Any other key; the named keys ({@code m}, {@code v}, ...) have their own setters. */
        public Builder put(String key, BValue value) {
            if (KNOWN.contains(key)) {
                throw new IllegalArgumentException("\"" + key + "\" has its own setter");
            }
            others.put(key, value);
            return this;
        }

        public Builder put(String key, byte[] value) {
            return put(key, BBytes.of(value));
        }

        public ExtendedHandshake build() {
            return new ExtendedHandshake(ids, Optional.ofNullable(version), port, reqq, Optional.ofNullable(yourIp),
                    metadataSize, others.build());
        }
    }
}
