package org.enjambre.testutil;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports, for tests that must name a port before something listens on it.
 *
 * <p>A port from a bind to port 0 comes from the kernel's ephemeral range, which every outgoing
 * connection also draws from: between the test's pick and the node's bind, a Hazelcast member
 * dialling the others, a tracker announce or a peer dial could take it, and a member dialling a
 * port nobody listens on yet can even connect to itself from that very port (TCP's simultaneous
 * open). So the ports come from below the ephemeral range, where the kernel never picks one by
 * itself; each is checked free for TCP and UDP (some are UDP trackers or DHT nodes) and handed out
 * once per JVM. bench/free_port.py does the same for the benchmarks.
 */
public final class FreePorts {
    /** Fixed services live below this. */
    static final int LOWEST = 10_000;
    private static final int TRIES = 500;
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private FreePorts() {
    }

    /** A port free for TCP and UDP on loopback, not handed out before in this JVM. */
    public static synchronized int next() {
        int[] range = candidates();
        for (int i = 0; i < TRIES; i++) {
            int port = ThreadLocalRandom.current().nextInt(range[0], range[1]);
            if (!HANDED_OUT.contains(port) && free(port)) {
                HANDED_OUT.add(port);
                return port;
            }
        }
        throw new IllegalStateException("no free port in " + range[0] + "-" + (range[1] - 1) + " after " + TRIES + " tries");
    }

    /** The half-open range to pick from: below the ephemeral range, else above it. */
    static int[] candidates() {
        int[] ephemeral = ephemeralRange();
        if (ephemeral[0] - LOWEST >= 1000) {
            return new int[] {LOWEST, ephemeral[0]};
        }
        if (65_535 - ephemeral[1] >= 1000) {
            return new int[] {ephemeral[1] + 1, 65_536};
        }
        return new int[] {LOWEST, 65_536};
    }

    /** Linux's net.ipv4.ip_local_port_range, inclusive; its default where it cannot be read. */
    static int[] ephemeralRange() {
        try {
            String[] parts = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
            return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
        } catch (IOException | RuntimeException e) {
            return new int[] {32_768, 60_999};
        }
    }

    /** Free for a TCP listener and for a UDP socket on loopback, now. */
    static boolean free(int port) {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket tcp = new ServerSocket()) {
            // As a node binds it: SO_REUSEADDR lets a port in TIME_WAIT through, as it would let the node's bind.
            tcp.setReuseAddress(true);
            tcp.bind(new InetSocketAddress(loopback, port), 1);
        } catch (IOException e) {
            return false;
        }
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, port))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
