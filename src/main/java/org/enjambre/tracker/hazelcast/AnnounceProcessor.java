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
    private boolean mayCreate;
    private boolean backup;

    AnnounceProcessor() {
    }

    AnnounceProcessor(ReceivedAnnounce announce, long now, long cutoff, int maxPeers, boolean mayCreate) {
        AnnounceRequest r = announce.request();
        this.maxPeers = maxPeers;
        this.mayCreate = mayCreate;
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
        if (swarm == null) {
            if (event == AnnounceEvent.STOPPED) {
                return new AnnounceOutcome(SwarmStats.EMPTY, List.of());
            }
            if (!mayCreate) {
                return AnnounceOutcome.refused("tracker full: no new torrents for now, retry later");
            }
            swarm = new Swarm();
        }
        swarm.expire(cutoff);
        Swarm.Peer known = swarm.find(peerId);
        if (known != null && known.key != null && key != null && !known.key.equals(key)
                && !known.sameIp(ip)) {
            // BEP 3 "key": a peer id moving to another address must prove it is the same client.
            return AnnounceOutcome.refused("peer_id already registered from another address with another key");
        }
        if (known == null && event != AnnounceEvent.STOPPED && swarm.size() >= maxPeers) {
            return AnnounceOutcome.refused("swarm full (" + maxPeers + " peers), retry later");
        }
        List<PeerEntry> peers = List.of();
        byte[][] packed = null;
        if (event == AnnounceEvent.STOPPED) {
            swarm.remove(peerId);
        } else {
            Swarm.Peer asker = swarm.upsert(peerId, ip, port, uploaded, downloaded, left, key, now);
            if (event == AnnounceEvent.COMPLETED) {
                swarm.completed(asker);
            }
            if (!backup && compact) {
                packed = swarm.selectPacked(asker, numwant, ThreadLocalRandom.current());
            } else if (!backup) {
                peers = swarm.select(asker, numwant, ThreadLocalRandom.current());
            }
        }
        entry.setValue(swarm.isEmpty() ? null : swarm);
        AnnounceOutcome outcome = new AnnounceOutcome(swarm.stats(), peers);
        if (packed != null) {
            outcome.compact4 = packed[0];
            outcome.compact6 = packed[1];
        }
        return outcome;
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
        b.mayCreate = mayCreate;
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
        out.writeBoolean(mayCreate);
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
        mayCreate = in.readBoolean();
        backup = in.readBoolean();
    }
}
