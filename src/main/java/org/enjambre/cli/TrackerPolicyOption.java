package org.enjambre.cli;

import org.enjambre.tracker.client.AnnouncePolicy;
import picocli.CommandLine.Option;

/** Mixin for {@code --allow-private-trackers}: whether a torrent's trackers may be on this machine or the local network. */
public final class TrackerPolicyOption {
    @Option(names = "--allow-private-trackers",
            description = "Also announce to trackers on loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), "
                    + "link-local or multicast addresses. Off by default: a torrent could point announces at "
                    + "services of this machine or network. Needed for a tracker on 127.0.0.1 or a LAN swarm.")
    boolean allowPrivateTrackers;

    AnnouncePolicy policy() {
        return AnnouncePolicy.of(allowPrivateTrackers);
    }
}
