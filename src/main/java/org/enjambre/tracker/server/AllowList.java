package org.enjambre.tracker.server;

import java.util.AbstractSet;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import org.enjambre.tracker.protocol.InfoHash;

/**
 * The info-hashes a tracker serves, held as {@link InfoHash} keys so that an announce is checked
 * without writing its info-hash as hex; still a {@code Set} of 40-lowercase-hex Strings for
 * whoever names torrents that way (the settings, the REST API's registrations, the DHT). Immutable.
 */
public final class AllowList extends AbstractSet<String> {
    private final Set<InfoHash> hashes;

    private AllowList(Set<InfoHash> hashes) {
        this.hashes = hashes;
    }

    /**
     * {@code hexes} (each 40 lowercase hex digits) as an allow-list; an allow-list is returned as is.
     *
     * @throws IllegalArgumentException an entry is not 40 lowercase hex digits
     */
    public static AllowList copyOf(Collection<String> hexes) {
        if (hexes instanceof AllowList list) {
            return list;
        }
        Set<InfoHash> hashes = new HashSet<>();
        for (String hex : hexes) {
            InfoHash h = InfoHash.fromHex(hex);
            if (h == null) {
                throw new IllegalArgumentException("an allow-list entry is 40 lowercase hex digits, not '"
                        + (hex == null ? "null" : hex.length() > 60 ? hex.substring(0, 60) + "..." : hex) + "'");
            }
            hashes.add(h);
        }
        return new AllowList(hashes);
    }

    public boolean contains(InfoHash infoHash) {
        return hashes.contains(infoHash);
    }

    @Override
    public boolean contains(Object o) {
        if (o instanceof InfoHash h) {
            return hashes.contains(h);
        }
        InfoHash h = o instanceof String s ? InfoHash.fromHex(s) : null;
        return h != null && hashes.contains(h);
    }

    @Override
    public Iterator<String> iterator() {
        Iterator<InfoHash> i = hashes.iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return i.hasNext();
            }

            @Override
            public String next() {
                return i.next().hex();
            }
        };
    }

    @Override
    public int size() {
        return hashes.size();
    }
}
