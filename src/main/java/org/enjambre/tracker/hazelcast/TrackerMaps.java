package org.enjambre.tracker.hazelcast;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.spi.merge.LatestUpdateMergePolicy;

/** Names and configuration of the tracker's distributed maps. */
public final class TrackerMaps {
    /** Swarm map: info-hash (40 lowercase hex) to {@link Swarm}. */
    public static final String SWARMS = "enjambre.swarms";
    /** Torrents registered through the REST API: info-hash (hex) to the bencoded {@code .torrent}. */
    public static final String TORRENTS = "enjambre.torrents";

    private TrackerMaps() {
    }

    /**
     * Adds the tracker's map settings and serialization factory to {@code config}, keeping what a
     * {@code cluster.xml} already says about these maps except where correctness needs it
     * (at least one backup).
     */
    public static Config configure(Config config) {
        config.getSerializationConfig().addDataSerializableFactory(TrackerSerialization.FACTORY_ID, new TrackerSerialization());
        MapConfig swarms = config.getMapConfigOrNull(SWARMS);
        if (swarms == null) {
            swarms = new MapConfig(SWARMS);
            config.addMapConfig(swarms);
        }
        // OBJECT: the entry processor changes the swarm in place instead of deserializing and
        // serializing the whole swarm on every announce.
        swarms.setInMemoryFormat(InMemoryFormat.OBJECT);
        swarms.setBackupCount(Math.max(1, swarms.getBackupCount()));
        // LatestUpdate needs each entry's last-update time, kept only with per-entry stats.
        swarms.setPerEntryStatsEnabled(true);
        swarms.setMergePolicyConfig(new MergePolicyConfig(LatestUpdateMergePolicy.class.getName(), MergePolicyConfig.DEFAULT_BATCH_SIZE));
        MapConfig torrents = config.getMapConfigOrNull(TORRENTS);
        if (torrents == null) {
            torrents = new MapConfig(TORRENTS);
            config.addMapConfig(torrents);
        }
        torrents.setBackupCount(Math.max(1, torrents.getBackupCount()));
        torrents.setPerEntryStatsEnabled(true);
        torrents.setMergePolicyConfig(new MergePolicyConfig(LatestUpdateMergePolicy.class.getName(), MergePolicyConfig.DEFAULT_BATCH_SIZE));
        return config;
    }
}
