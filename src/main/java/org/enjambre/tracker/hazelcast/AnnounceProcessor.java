package org.enjambre.tracker.hazelcast;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.enjambre.tracker.protocol.AnnounceEvent;
import org.enjambre.tracker.protocol.AnnounceRequest;
import org.enjambre.tracker.protocol.PeerEntry;
import org.enjambre.tracker.protocol.ReceivedAnnounce;
import org.enjambre.tracker.protocol.SwarmStats;

/**
 * One announce, applied atomically on the partition thread of the swarm's owner: expire the
 * swarm's stale peers, upsert (or remove on {@code stopped}) the asker, count {@code completed}
 * once, pick the answer. The same processor, flagged {@code backup}, replays the change on the
 * backup replica, so only the request (not the swarm) crosses the network. The clock is read by
 * the caller and carried here so primary and backup apply identical times.
 */
final class AnnounceProcessor implements EntryProcessor<String, Swarm, AnnounceOutcome>, IdentifiedDataSerializable {
    /** Refusal reasons' beginnings, which the registry counts by. */
    static final String SWARM_FULL = "swarm full";
    static final String ADDRESS_FULL = "too many peers from your address in this swarm";
    static final String TRACKER_FULL = "tracker full";
    private byte[] peerId;
    private byte[] ip;
    private int port;
    private long uploaded;
    private long downloaded;
    private long left;
    private AnnounceEvent event;
    private int numwant;
    private String key;
    private boolean compact;
    private long now;
    private long cutoff;
    private int maxPeers;
    private int maxPerAddress;
    private boolean mayCreate;
    private boolean mayAdd;
    private boolean backup;

    AnnounceProcessor() {
    }

    AnnounceProcessor(ReceivedAnnounce announce, long now, long cutoff, TrackerLimits limits, boolean mayCreate,
                      boolean mayAdd) {
        AnnounceRequest r = announce.request();
        this.maxPeers = limits.peersPerSwarm();
        this.maxPerAddress = limits.peersPerAddress();
        this.mayCreate = mayCreate;
        this.mayAdd = mayAdd;
        this.peerId = r.peerId();
        this.ip = announce.ip();
        this.port = r.port();
        this.uploaded = r.stats().uploaded();
        this.downloaded = r.stats().downloaded();
        this.left = r.stats().left();
        this.event = r.event();
        this.numwant = r.numwant();
        this.key = r.key();
        this.compact = announce.compact();
        this.now = now;
        this.cutoff = cutoff;
    }

    @Override
    public AnnounceOutcome process(Map.Entry<String, Swarm> entry) {
        Swarm swarm = entry.getValue();
        boolean created = false;
        if (swarm == null) {
            if (event == AnnounceEvent.STOPPED) {
                return new AnnounceOutcome(SwarmStats.EMPTY, List.of());
            }
            if (!mayCreate && !backup) {
                return AnnounceOutcome.refused(TRACKER_FULL + ": no new torrents for now, retry later");
            }
            swarm = new Swarm();
            created = true;
        }
        swarm.expireSome(cutoff);
        int found = swarm.find(peerId);
        int known = found;
        // The backup replays what the primary accepted (it runs only when the primary changed the
        // swarm): its own checks could differ (address buckets and expiry order are per copy).
        if (backup) {
            known = -1;
        } else if (known >= 0) {
            String refusal = mayChange(swarm, known);
            if (refusal != null) {
                return AnnounceOutcome.refused(refusal);
            }
        } else if (event != AnnounceEvent.STOPPED) {
            if (!mayAdd) {
                return AnnounceOutcome.refused(TRACKER_FULL + ": no new peers for now, retry later");
            }
            if (swarm.size() >= maxPeers) {
                return AnnounceOutcome.refused(SWARM_FULL + " (" + maxPeers + " peers), retry later");
            }
            if (swarm.peersFrom(ip) >= maxPerAddress && swarm.peersFromExactly(ip, maxPerAddress) >= maxPerAddress) {
                return AnnounceOutcome.refused(ADDRESS_FULL + " (" + maxPerAddress + " peers from one address)");
            }
        }
        List<PeerEntry> peers = List.of();
        byte[][] packed = null;
        if (event == AnnounceEvent.STOPPED) {
            swarm.remove(peerId);
        } else {
            // Nothing changed the swarm since the lookup: the peer id is not looked up (hashed) again.
            int asker = swarm.upsert(found, peerId, ip, port, left == 0, key, now);
            if (event == AnnounceEvent.COMPLETED) {
                swarm.completed(asker);
            }
            if (!backup && compact) {
                packed = swarm.selectPacked(asker, numwant, cutoff, ThreadLocalRandom.current());
            } else if (!backup) {
                peers = swarm.select(asker, numwant, cutoff, ThreadLocalRandom.current());
            }
        }
        entry.setValue(swarm.isEmpty() ? null : swarm);
        AnnounceOutcome outcome = new AnnounceOutcome(swarm.stats(), peers);
        outcome.created = created;
        if (packed != null) {
            outcome.compact4 = packed[0];
            outcome.compact6 = packed[1];
        }
        return outcome;
    }

    /**
     * Who may change a registered peer: a peer that gave a {@code key} (BEP 3) must give the same
     * again, from any address; a peer without one only from the address it registered from.
     * Otherwise anyone who learnt a peer id could move the peer elsewhere or remove it.
     */
    private String mayChange(Swarm swarm, int known) {
        if (swarm.keyed(known)) {
            return swarm.sameKey(known, key) ? null : "peer_id already registered with another key";
        }
        return swarm.sameIp(known, ip) ? null : "peer_id already registered from another address";
    }

    @Override
    public EntryProcessor<String, Swarm, AnnounceOutcome> getBackupProcessor() {
        AnnounceProcessor b = new AnnounceProcessor();
        b.peerId = peerId;
        b.ip = ip;
        b.port = port;
        b.uploaded = uploaded;
        b.downloaded = downloaded;
        b.left = left;
        b.event = event;
        b.numwant = 0;
        b.key = key;
        b.compact = compact;
        b.now = now;
        b.cutoff = cutoff;
        b.maxPeers = maxPeers;
        b.maxPerAddress = maxPerAddress;
        b.mayCreate = mayCreate;
        b.mayAdd = mayAdd;
        b.backup = true;
        return b;
    }

    @Override
    public int getFactoryId() {
        return TrackerSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return TrackerSerialization.ANNOUNCE;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeByteArray(peerId);
        out.writeByteArray(ip);
        out.writeShort(port);
        out.writeLong(uploaded);
        out.writeLong(downloaded);
        out.writeLong(left);
        out.writeByte(event.ordinal());
        out.writeShort(numwant);
        out.writeString(key);
        out.writeBoolean(compact);
        out.writeLong(now);
        out.writeLong(cutoff);
        out.writeInt(maxPeers);
        out.writeInt(maxPerAddress);
        out.writeBoolean(mayCreate);
        out.writeBoolean(mayAdd);
        out.writeBoolean(backup);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        peerId = in.readByteArray();
        ip = in.readByteArray();
        port = in.readShort() & 0xffff;
        uploaded = in.readLong();
        downloaded = in.readLong();
        left = in.readLong();
        event = AnnounceEvent.values()[in.readByte()];
        numwant = in.readShort();
        key = in.readString();
        compact = in.readBoolean();
        now = in.readLong();
        cutoff = in.readLong();
        maxPeers = in.readInt();
        maxPerAddress = in.readInt();
        mayCreate = in.readBoolean();
        mayAdd = in.readBoolean();
        backup = in.readBoolean();
    }
}
