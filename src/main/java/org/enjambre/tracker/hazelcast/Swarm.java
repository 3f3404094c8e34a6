package org.enjambre.tracker.hazelcast;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Random;
import org.enjambre.net.PeerAddress;
import org.enjambre.tracker.protocol.PeerEntry;
import org.enjambre.tracker.protocol.SwarmStats;
import org.enjambre.tracker.server.SwarmSnapshot;

/**
 * The peers of one torrent, as held in the swarm map. Every operation an announce needs is O(1)
 * or O(numwant): a hash map finds a peer by id, two arrays (seeders, leechers) let us pick peers
 * at random without walking the swarm, and a list threaded through the peers in order of last
 * announce puts the expired ones at its head, so dropping them costs only what is dropped.
 */
public final class Swarm implements IdentifiedDataSerializable {
    /** Most peers copied out of a swarm for reading (REST API); the counts stay exact. */
    public static final int MAX_LISTED_PEERS = 1000;

    private final HashMap<PeerKey, Peer> byId = new HashMap<>();
    private final ArrayList<Peer> seeders = new ArrayList<>();
    private final ArrayList<Peer> leechers = new ArrayList<>();
    /** In a limited copy, the counts of the whole swarm; -1 in a live swarm. */
    private int countedSeeders = -1;
    private int countedLeechers = -1;
    private Peer oldest;
    private Peer newest;
    private long downloaded;

    /** A registered peer; also a node of the last-announce list and a slot in one array. */
    static final class Peer {
        final PeerKey idKey;
        final byte[] peerId;
        /** IPv4 address as an int (no array per peer: most peers are IPv4), or ... */
        int ipv4;
        /** ... the 16 bytes of an IPv6 address ({@code null} for IPv4). */
        byte[] ipv6;
        int port;
        long uploaded;
        long downloaded;
        long left;
        long lastSeen;
        String key;
        boolean completed;
        int slot;
        Peer prev;
        Peer next;

        Peer(PeerKey idKey) {
            this.idKey = idKey;
            this.peerId = idKey.id;
        }

        boolean seeder() {
            return left == 0;
        }

        PeerEntry entry() {
            return new PeerEntry(address(), peerId);
        }

        PeerAddress address() {
            try {
                return PeerAddress.of(java.net.InetAddress.getByAddress(ip()), port);
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException("a stored address is 4 or 16 bytes", e);
            }
        }

        byte[] ip() {
            return ipv6 != null ? ipv6.clone()
                    : new byte[] {(byte) (ipv4 >>> 24), (byte) (ipv4 >>> 16), (byte) (ipv4 >>> 8), (byte) ipv4};
        }

        boolean sameIp(byte[] ip) {
            return ip.length == 16 ? Arrays.equals(ipv6, ip) : ipv6 == null && ipv4 == asInt(ip);
        }

        void ip(byte[] ip) {
            if (ip.length == 16) {
                ipv6 = ip;
            } else {
                ipv6 = null;
                ipv4 = asInt(ip);
            }
        }

        private static int asInt(byte[] ip4) {
            return ((ip4[0] & 0xff) << 24) | ((ip4[1] & 0xff) << 16) | ((ip4[2] & 0xff) << 8) | (ip4[3] & 0xff);
        }
    }

    public int size() {
        return byId.size();
    }

    public boolean isEmpty() {
        return byId.isEmpty();
    }

    public SwarmStats stats() {
        return countedSeeders < 0
                ? new SwarmStats(seeders.size(), leechers.size(), downloaded)
                : new SwarmStats(countedSeeders, countedLeechers, downloaded);
    }

    /**
     * A peer id as a map key. It wraps the peer's own id array (no copy, unlike a String key),
     * so a registered peer costs one object fewer: the swarm map holds many long-lived peers and
     * every object among them is work for the garbage collector.
     */
    static final class PeerKey {
        final byte[] id;
        private final int hash;

        PeerKey(byte[] id) {
            this.id = id;
            this.hash = Arrays.hashCode(id);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof PeerKey k && k.hash == hash && Arrays.equals(k.id, id);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    static PeerKey idKey(byte[] peerId) {
        return new PeerKey(peerId);
    }

    Peer find(byte[] peerId) {
        return byId.get(idKey(peerId));
    }

    /** Drops peers whose last announce is before {@code cutoff}; answers how many. */
    public int expire(long cutoff) {
        int removed = 0;
        while (oldest != null && oldest.lastSeen < cutoff) {
            remove(oldest);
            removed++;
        }
        return removed;
    }

    /** Inserts or updates a peer and makes it the most recent; answers it. */
    Peer upsert(byte[] peerId, byte[] ip, int port, long uploaded, long downloaded, long left,
                String key, long now) {
        PeerKey k = idKey(peerId);
        Peer p = byId.get(k);
        if (p == null) {
            p = new Peer(k);
            byId.put(k, p);
            p.left = left;
            listFor(p).add(p);
            p.slot = listFor(p).size() - 1;
        } else {
            unlink(p);
            if (p.seeder() != (left == 0)) {
                removeFromList(p);
                p.left = left;
                listFor(p).add(p);
                p.slot = listFor(p).size() - 1;
            }
        }
        p.ip(ip);
        p.port = port;
        p.uploaded = uploaded;
        p.downloaded = downloaded;
        p.left = left;
        p.lastSeen = now;
        if (key != null) {
            p.key = key;
        }
        append(p);
        return p;
    }

    /** Counts a completed download, once per peer. */
    void completed(Peer p) {
        if (!p.completed) {
            p.completed = true;
            downloaded++;
        }
    }

    boolean remove(byte[] peerId) {
        Peer p = byId.get(idKey(peerId));
        if (p == null) {
            return false;
        }
        remove(p);
        return true;
    }

    private void remove(Peer p) {
        byId.remove(p.idKey);
        unlink(p);
        removeFromList(p);
    }

    /**
     * Up to {@code numwant} peers other than {@code asker}: a seeder gets only leechers, a leecher
     * both kinds, taken alternately. Each array is read from a random offset, so different askers
     * see different parts of a large swarm while the cost stays O(numwant).
     */
    List<PeerEntry> select(Peer asker, int numwant, Random random) {
        List<Peer> picked = pick(asker, numwant, random);
        List<PeerEntry> out = new ArrayList<>(picked.size());
        for (Peer p : picked) {
            out.add(p.entry());
        }
        return out;
    }

    /** The same choice as {@link #select}, packed: {IPv4 6-byte entries, IPv6 18-byte entries}. */
    byte[][] selectPacked(Peer asker, int numwant, Random random) {
        List<Peer> picked = pick(asker, numwant, random);
        int v6 = 0;
        for (Peer p : picked) {
            v6 += p.ipv6 != null ? 1 : 0;
        }
        byte[] four = new byte[(picked.size() - v6) * PeerAddress.COMPACT_IPV4];
        byte[] six = new byte[v6 * PeerAddress.COMPACT_IPV6];
        int i4 = 0;
        int i6 = 0;
        for (Peer p : picked) {
            if (p.ipv6 != null) {
                i6 = PeerAddress.putCompact(six, i6, p.ipv6, p.port);
            } else {
                i4 = PeerAddress.putCompactIpv4(four, i4, p.ipv4, p.port);
            }
        }
        return new byte[][] {four, six};
    }

    private List<Peer> pick(Peer asker, int numwant, Random random) {
        List<Peer> out = new ArrayList<>(Math.max(0, Math.min(numwant, size())));
        if (numwant <= 0) {
            return out;
        }
        boolean askerSeeds = asker != null && asker.seeder();
        Cursor l = new Cursor(leechers, random);
        Cursor s = askerSeeds ? null : new Cursor(seeders, random);
        while (out.size() < numwant) {
            boolean took = false;
            Peer p = l.next(asker);
            if (p != null) {
                out.add(p);
                took = true;
            }
            if (s != null && out.size() < numwant) {
                Peer q = s.next(asker);
                if (q != null) {
                    out.add(q);
                    took = true;
                }
            }
            if (!took) {
                break;
            }
        }
        return out;
    }

    /** Walks an array once, circularly, from a random start. */
    private static final class Cursor {
        private final List<Peer> list;
        private final int start;
        private int seen;

        Cursor(List<Peer> list, Random random) {
            this.list = list;
            this.start = list.isEmpty() ? 0 : random.nextInt(list.size());
        }

        Peer next(Peer skip) {
            while (seen < list.size()) {
                Peer p = list.get((start + seen++) % list.size());
                if (p != skip) {
                    return p;
                }
            }
            return null;
        }
    }

    /** A detached copy for readers outside the partition thread. */
    public SwarmSnapshot snapshot() {
        List<SwarmSnapshot.PeerInfo> peers = new ArrayList<>(size());
        for (Peer p = oldest; p != null; p = p.next) {
            peers.add(new SwarmSnapshot.PeerInfo(p.peerId.clone(), p.address(), p.uploaded,
                    p.downloaded, p.left, p.lastSeen));
        }
        return new SwarmSnapshot(stats(), peers);
    }

    /**
     * A detached copy, to hand a swarm out of the partition thread: the {@code limit} most recent
     * peers, with the counts of the whole swarm.
     */
    Swarm copy(int limit) {
        Swarm c = new Swarm();
        c.downloaded = downloaded;
        Peer from = newest;
        for (int n = 1; n < limit && from != null && from.prev != null; n++) {
            from = from.prev;
        }
        for (Peer p = limit <= 0 ? null : from; p != null; p = p.next) {
            c.upsert(p.peerId, p.ip(), p.port, p.uploaded, p.downloaded, p.left, p.key, p.lastSeen).completed = p.completed;
        }
        c.countedSeeders = seeders.size();
        c.countedLeechers = leechers.size();
        return c;
    }

    private ArrayList<Peer> listFor(Peer p) {
        return p.seeder() ? seeders : leechers;
    }

    /** Swap-remove from its array, O(1). */
    private void removeFromList(Peer p) {
        ArrayList<Peer> list = listFor(p);
        Peer last = list.remove(list.size() - 1);
        if (last != p) {
            list.set(p.slot, last);
            last.slot = p.slot;
        }
    }

    private void unlink(Peer p) {
        if (p.prev != null) {
            p.prev.next = p.next;
        } else {
            oldest = p.next;
        }
        if (p.next != null) {
            p.next.prev = p.prev;
        } else {
            newest = p.prev;
        }
        p.prev = null;
        p.next = null;
    }

    private void append(Peer p) {
        p.prev = newest;
        p.next = null;
        if (newest != null) {
            newest.next = p;
        } else {
            oldest = p;
        }
        newest = p;
    }

    @Override
    public int getFactoryId() {
        return TrackerSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return TrackerSerialization.SWARM;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLong(downloaded);
        out.writeInt(countedSeeders);
        out.writeInt(countedLeechers);
        out.writeInt(byId.size());
        // Oldest first, so that reading back rebuilds the last-announce order by appending.
        for (Peer p = oldest; p != null; p = p.next) {
            out.writeByteArray(p.peerId);
            out.writeByteArray(p.ip());
            out.writeShort(p.port);
            out.writeLong(p.uploaded);
            out.writeLong(p.downloaded);
            out.writeLong(p.left);
            out.writeLong(p.lastSeen);
            out.writeString(p.key);
            out.writeBoolean(p.completed);
        }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        downloaded = in.readLong();
        countedSeeders = in.readInt();
        countedLeechers = in.readInt();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            byte[] id = in.readByteArray();
            byte[] ip = in.readByteArray();
            int port = in.readShort() & 0xffff;
            long up = in.readLong();
            long down = in.readLong();
            long left = in.readLong();
            long lastSeen = in.readLong();
            String key = in.readString();
            Peer p = upsert(id, ip, port, up, down, left, key, lastSeen);
            p.completed = in.readBoolean();
        }
    }
}
