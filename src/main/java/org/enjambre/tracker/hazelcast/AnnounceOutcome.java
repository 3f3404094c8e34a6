package org.enjambre.tracker.hazelcast;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.enjambre.net.PeerAddress;
import org.enjambre.tracker.protocol.AnnounceAnswer;
import org.enjambre.tracker.protocol.PeerEntry;
import org.enjambre.tracker.protocol.SwarmStats;

/** What an {@link AnnounceProcessor} sends back: counts and peers, or a refusal. */
final class AnnounceOutcome implements IdentifiedDataSerializable {
    int complete;
    int incomplete;
    long downloaded;
    List<PeerEntry> peers = List.of();
    /** Set instead of {@code peers} for compact requests (see {@link AnnounceAnswer}). */
    byte[] compact4;
    byte[] compact6;
    String refusal;
    /** Whether this announce made the swarm (the registry counts swarms made between sweeps). */
    boolean created;

    AnnounceOutcome() {
    }

    AnnounceOutcome(SwarmStats stats, List<PeerEntry> peers) {
        this.complete = stats.complete();
        this.incomplete = stats.incomplete();
        this.downloaded = stats.downloaded();
        this.peers = peers;
    }

    static AnnounceOutcome refused(String reason) {
        AnnounceOutcome o = new AnnounceOutcome();
        o.refusal = reason;
        return o;
    }

    AnnounceAnswer answer() {
        return new AnnounceAnswer(new SwarmStats(complete, incomplete, downloaded), peers, compact4, compact6);
    }

    @Override
    public int getFactoryId() {
        return TrackerSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return TrackerSerialization.ANNOUNCE_OUTCOME;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeString(refusal);
        out.writeBoolean(created);
        out.writeInt(complete);
        out.writeInt(incomplete);
        out.writeLong(downloaded);
        out.writeByteArray(compact4);
        out.writeByteArray(compact6);
        out.writeInt(peers.size());
        for (PeerEntry p : peers) {
            out.writeByteArray(p.peerId());
            out.writeByteArray(p.address().ip().orElseThrow().getAddress());
            out.writeShort(p.address().port());
        }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        refusal = in.readString();
        created = in.readBoolean();
        complete = in.readInt();
        incomplete = in.readInt();
        downloaded = in.readLong();
        compact4 = in.readByteArray();
        compact6 = in.readByteArray();
        int n = in.readInt();
        List<PeerEntry> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] peerId = in.readByteArray();
            byte[] ip = in.readByteArray();
            list.add(new PeerEntry(PeerAddress.of(java.net.InetAddress.getByAddress(ip), in.readShort() & 0xffff), peerId));
        }
        peers = list;
    }
}
