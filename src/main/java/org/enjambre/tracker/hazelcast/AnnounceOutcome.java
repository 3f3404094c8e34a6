package org.enjambre.tracker.hazelcast;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.enjambre.tracker.AnnounceResult;
import org.enjambre.tracker.PeerEndpoint;
import org.enjambre.tracker.SwarmStats;

/** What an {@link AnnounceProcessor} sends back: counts and peers, or a refusal. */
final class AnnounceOutcome implements IdentifiedDataSerializable {
    int complete;
    int incomplete;
    long downloaded;
    List<PeerEndpoint> peers = List.of();
    /** Set instead of {@code peers} for compact requests (see {@link AnnounceResult}). */
    byte[] compact4;
    byte[] compact6;
    String refusal;

    AnnounceOutcome() {
    }

    AnnounceOutcome(SwarmStats stats, List<PeerEndpoint> peers) {
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

    AnnounceResult result() {
        return new AnnounceResult(new SwarmStats(complete, incomplete, downloaded), peers, compact4, compact6);
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
        out.writeInt(complete);
        out.writeInt(incomplete);
        out.writeLong(downloaded);
        out.writeByteArray(compact4);
        out.writeByteArray(compact6);
        out.writeInt(peers.size());
        for (PeerEndpoint p : peers) {
            out.writeByteArray(p.peerId());
            out.writeByteArray(p.ip());
            out.writeShort(p.port());
        }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        refusal = in.readString();
        complete = in.readInt();
        incomplete = in.readInt();
        downloaded = in.readLong();
        compact4 = in.readByteArray();
        compact6 = in.readByteArray();
        int n = in.readInt();
        List<PeerEndpoint> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(new PeerEndpoint(in.readByteArray(), in.readByteArray(), in.readShort() & 0xffff));
        }
        peers = list;
    }
}
