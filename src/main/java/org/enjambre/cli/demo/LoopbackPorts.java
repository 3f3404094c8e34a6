package org.enjambre.cli.demo;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Free loopback ports for nodes that must be told their ports before they start (the demo's
 * trackers name each other's cluster ports). Binding port 0 and closing it gives a port free at
 * that moment, but nothing holds it until the node binds it seconds later, and meanwhile the
 * outgoing connections of the nodes already running take their local ports from that same
 * ephemeral range: a tracker node then failed with "Address already in use". So the ports come from
 * below the ephemeral range ({@code /proc/sys/net/ipv4/ip_local_port_range}), where the kernel never
 * picks one by itself, at random, each checked free for TCP and UDP (a tracker serves both on its
 * port), and none handed out twice by this process. As {@code bench/free_port.py} does.
 */
final class LoopbackPorts {
    /** Ports under this are where fixed services live. */
    static final int LOWEST = 10_000;
    private static final int TRIES = 500;
    private static final Set<Integer> handedOut = new HashSet<>();
    private static final SplittableRandom random = new SplittableRandom();

    private LoopbackPorts() {
    }

    /** A port free for TCP and UDP on loopback now, outside the ephemeral range when there is room. */
    static synchronized int next() throws IOException {
        int[] range = candidates(ephemeralRange());
        for (int i = 0; i < TRIES; i++) {
            int port = random.nextInt(range[0], range[1]);
            if (!handedOut.contains(port) && free(port)) {
                handedOut.add(port);
                return port;
            }
        }
        throw new IOException("no free loopback port found in " + range[0] + "-" + (range[1] - 1)
                + " after " + TRIES + " tries");
    }

    /** [low, high) to pick from: below the ephemeral range, else above it, else all unprivileged ports. */
    static int[] candidates(int[] ephemeral) {
        if (ephemeral[0] - LOWEST >= 1000) {
            return new int[] {LOWEST, ephemeral[0]};
        }
        if (65535 - ephemeral[1] >= 1000) {
            return new int[] {ephemeral[1] + 1, 65536};
        }
        return new int[] {1024, 65536};
    }

    private static int[] ephemeralRange() {
        try {
            // readAllLines, not readString: procfs reports a size of 0 and readString returned "3" here.
            String[] f = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim().split("\\s+");
            return new int[] {Integer.parseInt(f[0]), Integer.parseInt(f[1])};
        } catch (IOException | RuntimeException e) {
            return new int[] {32768, 60999}; // Linux's default
        }
    }

    private static boolean free(int port) {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket tcp = new ServerSocket(port, 1, loopback);
             DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, port))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
