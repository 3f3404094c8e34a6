package org.enjambre.ext;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import org.enjambre.wire.ext.ExtendedHandshake;

/**
 * The extensions of one torrent: gives each a local message id (1, 2, ... in registration order,
 * which is what the peer must use to send us that extension's messages), and attaches them to each
 * connection as {@link ConnectionExtensions}. Piece events reach every attached connection from here.
 *
 * <p>Not thread-safe: used from the torrent's context only.
 */
public final class ExtensionRegistry {
    /** What our extended handshake says about us besides the extensions. */
    public record LocalInfo(String version, OptionalInt listenPort, int reqq) {
        /** Our {@code v}: the client's name and version. */
        public static final String VERSION = "Enjambre 0.1.0";

        public LocalInfo {
            if (reqq < 1) {
                throw new IllegalArgumentException("reqq must be >= 1");
            }
            if (listenPort.isPresent() && (listenPort.getAsInt() < 1 || listenPort.getAsInt() > 65535)) {
                throw new IllegalArgumentException("listen port out of range: " + listenPort.getAsInt());
            }
        }

        public static LocalInfo of(OptionalInt listenPort, int reqq) {
            return new LocalInfo(VERSION, listenPort, reqq);
        }
    }

    private final LocalInfo local;
    private final Map<String, Extension.Factory> factories = new LinkedHashMap<>();
    private final Map<String, Integer> localIds = new LinkedHashMap<>();
    private final Set<ConnectionExtensions> attached = new LinkedHashSet<>();

    public ExtensionRegistry(LocalInfo local) {
        this.local = local;
    }

    /**
     * Adds an extension for every connection attached from now on.
     *
     * @return the local id the peer must send its messages under
     */
    public int register(String name, Extension.Factory factory) {
        if (name.isEmpty() || name.length() > ExtendedHandshake.MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("bad extension name: \"" + name + "\"");
        }
        if (factories.containsKey(name)) {
            throw new IllegalArgumentException("extension registered twice: " + name);
        }
        if (factories.size() == ExtendedHandshake.MAX_ID) {
            throw new IllegalStateException("no extended message id left for " + name);
        }
        factories.put(name, factory);
        int id = factories.size();
        localIds.put(name, id);
        return id;
    }

    /** Our local id per extension name, as our {@code m} dictionary says. */
    public Map<String, Integer> localIds() {
        return Collections.unmodifiableMap(localIds);
    }

    public LocalInfo local() {
        return local;
    }

    /**
     * Makes the extension objects of one connection. Call {@link ConnectionExtensions#sendHandshake()} right
     * after the BitTorrent handshake, {@link ConnectionExtensions#onExtended} for each extended message, and
     * {@link ConnectionExtensions#close()} when the connection ends.
     */
    public ConnectionExtensions attach(ExtensionPeer peer) {
        ConnectionExtensions extensions = new ConnectionExtensions(this, peer, factories);
        attached.add(extensions);
        return extensions;
    }

    void detach(ConnectionExtensions extensions) {
        attached.remove(extensions);
    }

    /** How many connections have extensions attached. */
    public int attachedCount() {
        return attached.size();
    }

    /** Tells every attached connection's extensions that we verified piece {@code index}. */
    public void pieceVerified(int index) {
        for (ConnectionExtensions extensions : List.copyOf(attached)) {
            extensions.pieceVerified(index);
        }
    }

    /** The torrent's timer ticked: every attached connection's extensions hear it. */
    public void tick(long nowNanos) {
        for (ConnectionExtensions extensions : List.copyOf(attached)) {
            extensions.tick(nowNanos);
        }
    }

    /** The names registered, in id order. */
    public List<String> names() {
        return new ArrayList<>(factories.keySet());
    }
}
