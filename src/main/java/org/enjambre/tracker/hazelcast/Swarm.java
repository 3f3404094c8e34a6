package org.enjambre.tracker.hazelcast;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.enjambre.net.PeerAddress;
import org.enjambre.tracker.protocol.PeerEntry;
import org.enjambre.tracker.protocol.SwarmStats;
import org.enjambre.tracker.server.SipHash;
import org.enjambre.tracker.server.SwarmSnapshot;

/**
 * The peers of one torrent, as held in the swarm map, packed for memory: a public tracker holds
 * millions of peers, twice (primary and backup). Each peer is one fixed-size record in one byte
 * array (peer id, IPv4 address, port, last announce, a hash of its {@code key}, flags: 35 bytes;
 * an IPv6 address sits in a side array), not an object; a {@link SwarmIndex} finds them by a keyed
 * hash of the peer id ({@link SipHash}, a random key per copy, so chosen ids cannot collide).
 * Records are dense, seeders first, so a random pick of seeders or leechers reads a range from a
 * random offset: every announce costs O(numwant). Expiry on the announce path checks a few records
 * per announce (all of them in a small swarm); the periodic sweep checks the rest.
 *
 * <p>Transfer totals ({@code uploaded}, {@code downloaded}, {@code left}) are not kept: the tracker
 * answers with seeders and leechers, and storing three longs would double a record.
 */
public final class Swarm implements IdentifiedDataSerializable {
    /** Most peers copied out of a swarm for reading (REST API); the counts stay exact. */
    public static final int MAX_LISTED_PEERS = 1000;
    /** Bytes of one peer's record. */
    static final int RECORD = 35;
    /** Swarms up to this size are checked whole for expired peers on every announce. */
    static final int SCANNED_WHOLE = 64;
    /** Records a larger swarm checks per announce: each is checked about every interval / 4. */
    static final int CHECKED_PER_ANNOUNCE = 4;

    private static final int ID = 0;
    private static final int IP = 20;
    private static final int PORT = 24;
    /** Offset in a record of its last announce (int milliseconds from the swarm's base). */
    static final int SEEN = 26;
    private static final int KEY = 30;
    private static final int FLAGS = 34;
    private static final int SEEDER = 1;
    private static final int COMPLETED = 2;
    private static final int IPV6 = 4;
    private static final int KEYED = 8;
    /** An IPv6 side entry: the 16-byte address, then the slot of its record. */
    private static final int V6_ENTRY = 20;
    /** Last-announce offsets are int milliseconds from {@link #base}; rebased before they overflow. */
    private static final long REBASE_AFTER = 1L << 30;
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final byte[] NONE = new byte[0];
    private static final SecureRandom SALTS = new SecureRandom();
    private static final int UNKNOWN_OLDEST = Integer.MIN_VALUE;

    private byte[] records = NONE;
    private int size;
    /** Records [0, seeders) are seeders, [seeders, size) leechers. */
    private int seeders;
    private byte[] ipv6 = NONE;
    private int ipv6Count;
    /** Peers per address, by a hash under this copy's key. */
    private final AddressCounts perAddress = new AddressCounts();
    /** Also holds this copy's random hash key, which the address counts and key hashes use too. */
    private SwarmIndex index = new SwarmIndex(SALTS.nextLong(), SALTS.nextLong());
    private long base = Long.MIN_VALUE;
    /**
     * No record's last announce is older than this offset from {@link #base}, or
     * {@link #UNKNOWN_OLDEST}: made exact by each whole-swarm check, and it stays a lower bound
     * (an announce only moves a record's time forward, a new record starts at now). A small swarm
     * whose bound is not past the cutoff has nothing to expire, so it is not checked whole on
     * every announce (that check was ~8 % of an announce's CPU); when it is checked, at least the
     * record that set the bound has expired or announced since.
     */
    private int oldestSeen = UNKNOWN_OLDEST;
    private int cursor;
    private long downloaded;
    /** In a limited copy, the counts of the whole swarm; -1 in a live swarm. */
    private int countedSeeders = -1;
    private int countedLeechers = -1;

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public SwarmStats stats() {
        return countedSeeders < 0
                ? new SwarmStats(seeders, size - seeders, downloaded)
                : new SwarmStats(countedSeeders, countedLeechers, downloaded);
    }

    /** The slot of a peer, or -1; valid until the next change. */
    int find(byte[] peerId) {
        return index.find(records, peerId);
    }

    boolean seeder(int slot) {
        return (flags(slot) & SEEDER) != 0;
    }

    /** Whether the peer gave a {@code key} once (then it must give the same again). */
    boolean keyed(int slot) {
        return (flags(slot) & KEYED) != 0;
    }

    boolean sameKey(int slot, String key) {
        return key != null && keyed(slot) && (int) INT.get(records, slot * RECORD + KEY) == keyHash(key);
    }

    boolean sameIp(int slot, byte[] ip) {
        if ((flags(slot) & IPV6) != 0) {
            int e = (int) INT.get(records, slot * RECORD + IP) * V6_ENTRY;
            return ip.length == 16 && Arrays.equals(ipv6, e, e + 16, ip, 0, 16);
        }
        return ip.length == 4 && Arrays.equals(records, slot * RECORD + IP, slot * RECORD + IP + 4, ip, 0, 4);
    }

    /** How many peers of this swarm announced from {@code ip} (at least; see {@link AddressCounts}). */
    int peersFrom(byte[] ip) {
        return perAddress.count(addressHash(ip));
    }

    /**
     * Exactly how many peers announced from {@code ip}, counted no further than {@code limit}: a
     * bucket of {@link #peersFrom} also counts the addresses that share it, so a full bucket is
     * checked record by record before a peer is refused (only then: the buckets keep the common
     * path free of scans).
     */
    int peersFromExactly(byte[] ip, int limit) {
        int n = 0;
        for (int slot = 0; slot < size && n < limit; slot++) {
            if (sameIp(slot, ip)) {
                n++;
            }
        }
        return n;
    }

    private long addressHash(byte[] ip) {
        return index.keyedHash(ip, 0, ip.length);
    }

    /** The hash of a stored peer's address, made where it is stored (no copy of the address). */
    private long addressHashOf(int slot) {
        int at = slot * RECORD + IP;
        if ((flags(slot) & IPV6) != 0) {
            return index.keyedHash(ipv6, (int) INT.get(records, at) * V6_ENTRY, 16);
        }
        return index.keyedHash(records, at, 4);
    }

    /** Drops every peer whose last announce is before {@code cutoff}; answers how many (the sweep). */
    public int expire(long cutoff) {
        int removed = 0;
        int oldest = Integer.MAX_VALUE;
        // From the end: a removal fills its slot from higher slots, which are already checked.
        for (int i = size - 1; i >= 0; i--) {
            if (seen(i) < cutoff) {
                remove(i);
                removed++;
            } else {
                oldest = Math.min(oldest, (int) INT.get(records, i * RECORD + SEEN));
            }
        }
        oldestSeen = size == 0 ? UNKNOWN_OLDEST : oldest;
        return removed;
    }

    /**
     * The announce path's share of expiry: a small swarm whole (only once its oldest record may
     * have expired), a large one a few records.
     */
    int expireSome(long cutoff) {
        if (size <= SCANNED_WHOLE) {
            if (oldestSeen != UNKNOWN_OLDEST && base != Long.MIN_VALUE && cutoff - base <= oldestSeen) {
                return 0;
            }
            return expire(cutoff);
        }
        int removed = 0;
        for (int n = 0; n < CHECKED_PER_ANNOUNCE && size > 0; n++) {
            cursor = cursor <= 0 || cursor > size ? size - 1 : cursor - 1;
            if (seen(cursor) < cutoff) {
                remove(cursor);
                removed++;
            }
        }
        return removed;
    }

    /** Inserts or updates a peer; answers its slot. {@code key} null keeps a key given before. */
    int upsert(byte[] peerId, byte[] ip, int port, boolean seeder, String key, long now) {
        return upsert(find(peerId), peerId, ip, port, seeder, key, now);
    }

    /**
     * {@link #upsert(byte[], byte[], int, boolean, String, long)} of a peer just looked up: {@code found}
     * is what {@link #find} answered for {@code peerId}, with no change to the swarm since (the
     * announce path looks a peer up once, not again to update it).
     */
    int upsert(int found, byte[] peerId, byte[] ip, int port, boolean seeder, String key, long now) {
        if (base == Long.MIN_VALUE) {
            base = now;
        } else if (now - base > REBASE_AFTER) {
            rebase(now);
        }
        int slot = found;
        if (slot < 0) {
            slot = insert(seeder);
            System.arraycopy(peerId, 0, records, slot * RECORD + ID, 20);
            records[slot * RECORD + FLAGS] = (byte) (seeder ? SEEDER : 0);
            index.add(slot, peerId, 0);
            perAddress.add(addressHash(ip), 1);
        } else {
            if (!sameIp(slot, ip)) {
                perAddress.add(addressHashOf(slot), -1);
                perAddress.add(addressHash(ip), 1);
            }
            if (seeder != seeder(slot)) {
                slot = changeKind(slot);
            }
        }
        int at = slot * RECORD;
        int flags = records[at + FLAGS];
        if ((flags & IPV6) != 0 && !(ip.length == 16 && sameIp(slot, ip))) {
            freeIpv6((int) INT.get(records, at + IP));
            flags &= ~IPV6;
        }
        if (ip.length == 16) {
            if ((flags & IPV6) == 0) {
                INT.set(records, at + IP, newIpv6(ip, slot));
                flags |= IPV6;
            }
        } else {
            System.arraycopy(ip, 0, records, at + IP, 4);
        }
        SHORT.set(records, at + PORT, (short) port);
        int seen = (int) (now - base);
        INT.set(records, at + SEEN, seen);
        if (seen < oldestSeen) {
            // A clock that stepped back (or a copy's older times): the bound must stay a bound.
            oldestSeen = seen;
        }
        if (key != null) {
            INT.set(records, at + KEY, keyHash(key));
            flags |= KEYED;
        }
        records[at + FLAGS] = (byte) flags;
        return slot;
    }

    /** Counts a completed download, once per peer. */
    void completed(int slot) {
        int at = slot * RECORD + FLAGS;
        if ((records[at] & COMPLETED) == 0) {
            records[at] |= COMPLETED;
            downloaded++;
        }
    }

    boolean remove(byte[] peerId) {
        int slot = find(peerId);
        if (slot < 0) {
            return false;
        }
        remove(slot);
        return true;
    }

    /**
     * Up to {@code numwant} peers other than {@code asker} (a slot, or -1) that announced since
     * {@code cutoff}: a seeder gets only leechers, a leecher both kinds, taken alternately. Each
     * range is read from a random offset, so askers see different parts of a large swarm while
     * the cost stays O(numwant).
     */
    List<PeerEntry> select(int asker, int numwant, long cutoff, Random random) {
        int[] picked = pick(asker, numwant, cutoff, random);
        List<PeerEntry> out = new ArrayList<>(picked.length);
        for (int slot : picked) {
            out.add(new PeerEntry(address(slot), Arrays.copyOfRange(records, slot * RECORD, slot * RECORD + 20)));
        }
        return out;
    }

    /** The same choice as {@link #select}, packed: {IPv4 6-byte entries, IPv6 18-byte entries}. */
    byte[][] selectPacked(int asker, int numwant, long cutoff, Random random) {
        int[] picked = pick(asker, numwant, cutoff, random);
        int v6 = 0;
        for (int slot : picked) {
            v6 += (flags(slot) & IPV6) != 0 ? 1 : 0;
        }
        byte[] four = new byte[(picked.length - v6) * PeerAddress.COMPACT_IPV4];
        byte[] six = new byte[v6 * PeerAddress.COMPACT_IPV6];
        int i4 = 0;
        int i6 = 0;
        for (int slot : picked) {
            int at = slot * RECORD;
            if ((flags(slot) & IPV6) != 0) {
                System.arraycopy(ipv6, (int) INT.get(records, at + IP) * V6_ENTRY, six, i6, 16);
                six[i6 + 16] = records[at + PORT];
                six[i6 + 17] = records[at + PORT + 1];
                i6 += PeerAddress.COMPACT_IPV6;
            } else {
                System.arraycopy(records, at + IP, four, i4, 6);
                i4 += PeerAddress.COMPACT_IPV4;
            }
        }
        return new byte[][] {four, six};
    }

    private int[] pick(int asker, int numwant, long cutoff, Random random) {
        return PeerPick.pick(records, seeders, size, asker, asker >= 0 && seeder(asker), numwant, offset(cutoff), random);
    }

    /** A detached copy for readers outside the partition thread, oldest announce first; no peer ids. */
    public SwarmSnapshot snapshot() {
        List<SwarmSnapshot.PeerInfo> peers = new ArrayList<>(size);
        for (int slot : byLastAnnounce()) {
            peers.add(new SwarmSnapshot.PeerInfo(address(slot), seeder(slot), seen(slot)));
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
        int[] order = byLastAnnounce();
        for (int i = Math.max(0, order.length - Math.max(0, limit)); i < order.length; i++) {
            int slot = order[i];
            int at = slot * RECORD;
            int copied = c.upsert(Arrays.copyOfRange(records, at, at + 20), ip(slot),
                    (short) SHORT.get(records, at + PORT) & 0xffff, seeder(slot), null, seen(slot));
            c.copyFlagsAndKey(copied, records[at + FLAGS], (int) INT.get(records, at + KEY));
        }
        c.countedSeeders = seeders;
        c.countedLeechers = size - seeders;
        return c;
    }

    private void copyFlagsAndKey(int slot, int flags, int keyHash) {
        int at = slot * RECORD;
        records[at + FLAGS] = (byte) ((records[at + FLAGS] & ~(COMPLETED | KEYED)) | (flags & (COMPLETED | KEYED)));
        INT.set(records, at + KEY, keyHash);
    }

    /** Slots ordered by last announce, then slot: what the REST API lists and copies keep. */
    private int[] byLastAnnounce() {
        long[] keyed = new long[size];
        for (int i = 0; i < size; i++) {
            keyed[i] = ((long) (int) INT.get(records, i * RECORD + SEEN) << 32) | i;
        }
        Arrays.sort(keyed);
        int[] out = new int[size];
        for (int i = 0; i < size; i++) {
            out[i] = (int) keyed[i];
        }
        return out;
    }

    PeerAddress address(int slot) {
        try {
            return PeerAddress.of(InetAddress.getByAddress(ip(slot)), (short) SHORT.get(records, slot * RECORD + PORT) & 0xffff);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a stored address is 4 or 16 bytes", e);
        }
    }

    private byte[] ip(int slot) {
        int at = slot * RECORD + IP;
        if ((flags(slot) & IPV6) != 0) {
            int e = (int) INT.get(records, at) * V6_ENTRY;
            return Arrays.copyOfRange(ipv6, e, e + 16);
        }
        return Arrays.copyOfRange(records, at, at + 4);
    }

    private int flags(int slot) {
        return records[slot * RECORD + FLAGS];
    }

    /** Epoch milliseconds of a peer's last announce. */
    long seen(int slot) {
        return base + (int) INT.get(records, slot * RECORD + SEEN);
    }

    /** {@code time} as a last-announce offset, clamped to the int range. */
    private int offset(long time) {
        long o = time - base;
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, o));
    }

    private void rebase(long now) {
        oldestSeen = UNKNOWN_OLDEST;
        long newBase = now - REBASE_AFTER / 2;
        for (int i = 0; i < size; i++) {
            INT.set(records, i * RECORD + SEEN, (int) Math.max(Integer.MIN_VALUE, seen(i) - newBase));
        }
        base = newBase;
    }

    private int keyHash(String key) {
        return (int) index.keyedHash(key);
    }

    // ---- records: dense, seeders first ----

    /** Makes room for one more record of the given kind; answers its slot. */
    private int insert(boolean seeder) {
        if ((size + 1) * RECORD > records.length) {
            // Grown by a quarter: the slack of a swarm's last growth is memory every peer pays for.
            records = Arrays.copyOf(records, Math.max(2, size + (size >> 2) + 1) * RECORD);
        }
        if (index.full(size)) {
            growIndex();
        }
        int slot = size++;
        if (seeder) {
            if (seeders < slot) {
                move(seeders, slot);
            }
            slot = seeders++;
        }
        return slot;
    }

    /** Moves a peer between the seeder and leecher ranges; answers its new slot. */
    private int changeKind(int slot) {
        boolean toSeeder = !seeder(slot);
        byte[] saved = Arrays.copyOfRange(records, slot * RECORD, (slot + 1) * RECORD);
        index.remove(records, slot);
        close(slot);
        int to = insert(toSeeder);
        System.arraycopy(saved, 0, records, to * RECORD, RECORD);
        records[to * RECORD + FLAGS] = (byte) (toSeeder ? saved[FLAGS] | SEEDER : saved[FLAGS] & ~SEEDER);
        if ((saved[FLAGS] & IPV6) != 0) {
            INT.set(ipv6, (int) INT.get(saved, IP) * V6_ENTRY + 16, to);
        }
        index.add(to, saved, 0);
        return to;
    }

    private void remove(int slot) {
        perAddress.add(addressHashOf(slot), -1);
        if ((flags(slot) & IPV6) != 0) {
            freeIpv6((int) INT.get(records, slot * RECORD + IP));
        }
        index.remove(records, slot);
        close(slot);
        if (size == 0) {
            records = NONE;
            index.clear();
            perAddress.clear();
        } else if (records.length > 8 * RECORD && size * RECORD * 4 < records.length) {
            records = Arrays.copyOf(records, size * 2 * RECORD);
        }
    }

    /** Fills the hole at {@code slot} (already out of the index), keeping the ranges dense. */
    private void close(int slot) {
        int last = size - 1;
        if (slot < seeders) {
            int lastSeeder = seeders - 1;
            if (slot != lastSeeder) {
                move(lastSeeder, slot);
            }
            if (lastSeeder != last) {
                move(last, lastSeeder);
            }
            seeders--;
        } else if (slot != last) {
            move(last, slot);
        }
        size--;
    }

    /** Moves the record at {@code from} to {@code to} (a free slot), keeping index and side entries. */
    private void move(int from, int to) {
        System.arraycopy(records, from * RECORD, records, to * RECORD, RECORD);
        index.moved(records, from, to);
        if ((flags(to) & IPV6) != 0) {
            INT.set(ipv6, (int) INT.get(records, to * RECORD + IP) * V6_ENTRY + 16, to);
        }
    }

    /** Mean probe length of the index (tests: chosen peer ids must not make it long). */
    double meanProbeLength() {
        return index.meanProbeLength(records, size);
    }

    private void growIndex() {
        // Load factor from 1/2 (just grown) to 3/4: linear probing stays short.
        index.resetFor(size);
        perAddress.resize(index.capacity());
        for (int slot = 0; slot < size; slot++) {
            index.add(slot, records, slot * RECORD);
            perAddress.add(addressHashOf(slot), 1);
        }
    }

    private int newIpv6(byte[] ip, int slot) {
        if ((ipv6Count + 1) * V6_ENTRY > ipv6.length) {
            ipv6 = Arrays.copyOf(ipv6, (ipv6Count * 2 + 1) * V6_ENTRY);
        }
        int e = ipv6Count++;
        System.arraycopy(ip, 0, ipv6, e * V6_ENTRY, 16);
        INT.set(ipv6, e * V6_ENTRY + 16, slot);
        return e;
    }

    /** Frees a side entry: the last one moves into it and its record is told. */
    private void freeIpv6(int e) {
        int last = --ipv6Count;
        if (e != last) {
            System.arraycopy(ipv6, last * V6_ENTRY, ipv6, e * V6_ENTRY, V6_ENTRY);
            INT.set(records, (int) INT.get(ipv6, e * V6_ENTRY + 16) * RECORD + IP, e);
        }
        if (ipv6Count == 0) {
            ipv6 = NONE;
        }
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
        // The key hashes were made with this salt; the index is rebuilt by the reader.
        out.writeLong(index.salt0());
        out.writeLong(index.salt1());
        out.writeLong(base);
        out.writeInt(size);
        for (int slot = 0; slot < size; slot++) {
            int at = slot * RECORD;
            out.write(records, at, IP);
            byte[] ip = ip(slot);
            out.writeByte(ip.length);
            out.write(ip);
            out.write(records, at + PORT, RECORD - PORT);
        }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        downloaded = in.readLong();
        countedSeeders = in.readInt();
        countedLeechers = in.readInt();
        index = new SwarmIndex(in.readLong(), in.readLong());
        base = in.readLong();
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("negative swarm size " + n);
        }
        byte[] record = new byte[RECORD];
        for (int i = 0; i < n; i++) {
            in.readFully(record, 0, IP);
            int ipLength = in.readUnsignedByte();
            if (ipLength != 4 && ipLength != 16) {
                throw new IOException("a stored address is 4 or 16 bytes, not " + ipLength);
            }
            byte[] ip = new byte[ipLength];
            in.readFully(ip);
            in.readFully(record, PORT, RECORD - PORT);
            boolean seeder = (record[FLAGS] & SEEDER) != 0;
            int slot = insert(seeder);
            System.arraycopy(record, 0, records, slot * RECORD, RECORD);
            if (ipLength == 16) {
                INT.set(records, slot * RECORD + IP, newIpv6(ip, slot));
            } else {
                System.arraycopy(ip, 0, records, slot * RECORD + IP, 4);
            }
            index.add(slot, record, 0);
            perAddress.add(addressHash(ip), 1);
        }
    }
}
