package org.enjambre.dht;

import static org.assertj.core.api.Assertions.assertThat;
import static org.enjambre.testutil.Futures.await;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.enjambre.net.PeerAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The DHT at scale, run by {@code bench/dht.sh}: a loopback DHT of {@code enjambre.bench.dht.nodes}
 * Enjambre nodes (200 by default) in one JVM, each at its own 127.0.x address, and
 * {@code enjambre.bench.dht.libtorrent} libtorrent sessions (40; 0 for none) in one Python process
 * at 127.1.0.x; the time and queries of get_peers lookups for announced info-hashes from an Enjambre
 * node and from a libtorrent session, interleaved; the heap a peer store holding 100,000 peers takes.
 * Writes one line to {@code target/dht-scale.txt}.
 */
@EnabledIfSystemProperty(named = "enjambre.bench.dht", matches = "true")
class DhtScaleBench {
    static double percentile(List<Long> sorted, double p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    /** The libtorrent side of the DHT: bench/lt_dht_swarm.py, driven a line at a time. */
    static final class LibtorrentNodes implements AutoCloseable {
        final Process process;
        final BufferedReader out;
        final BufferedWriter in;
        final int joined;

        LibtorrentNodes(int count, PeerAddress bootstrap) throws Exception {
            process = new ProcessBuilder("/usr/bin/python3", "bench/lt_dht_swarm.py", String.valueOf(count), "127.1.0.1",
                    bootstrap.host() + ":" + bootstrap.port(), "--join-seconds", "60", "--max-seconds", "1800")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
            int ready = -1;
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith("ready ")) {
                    ready = Integer.parseInt(line.substring(6).trim());
                    break;
                }
            }
            if (ready < 0) {
                throw new IllegalStateException("libtorrent nodes did not start (exit " + process.waitFor() + ")");
            }
            joined = ready;
        }

        /** {peers, millis, queries} of a get_peers lookup from the next libtorrent session. */
        long[] lookup(NodeId infoHash) throws Exception {
            in.write("lookup " + infoHash.hex() + "\n");
            in.flush();
            String[] w = out.readLine().trim().split(" ");
            // lookup HEX peers P millis M queries Q
            return new long[] {Long.parseLong(w[3]), Math.round(Double.parseDouble(w[5])), Long.parseLong(w[7])};
        }

        @Override
        public void close() throws Exception {
            try {
                in.write("quit\n");
                in.flush();
            } catch (java.io.IOException e) {
                // already gone
            }
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** One side's lookups: how many found the peer, and each one's time and queries. */
    static final class Figures {
        int found;
        final List<Long> millis = new ArrayList<>();
        final List<Long> queries = new ArrayList<>();

        void add(boolean foundPeer, long lookupMillis, long lookupQueries) {
            found += foundPeer ? 1 : 0;
            millis.add(lookupMillis);
            queries.add(lookupQueries);
        }

        String line(String who, int lookups) {
            List<Long> m = millis.stream().filter(x -> x >= 0).sorted().toList();
            List<Long> q = queries.stream().sorted().toList();
            return String.format(Locale.ROOT, "from %s: %d of %d lookups found the peer; time median %.0f ms p95 %.0f ms; "
                            + "queries median %.0f p95 %.0f", who, found, lookups, m.isEmpty() ? -1 : percentile(m, 0.5),
                    m.isEmpty() ? -1 : percentile(m, 0.95), percentile(q, 0.5), percentile(q, 0.95));
        }
    }

    @Test
    void lookupsInALoopbackDhtAndTheMemoryOfAFullStore() throws Exception {
        int count = Integer.getInteger("enjambre.bench.dht.nodes", 200);
        int lookups = Integer.getInteger("enjambre.bench.dht.lookups", 100);
        int libtorrentCount = Integer.getInteger("enjambre.bench.dht.libtorrent", 40);
        StringBuilder line = new StringBuilder();
        try (LoopbackDht dht = new LoopbackDht()) {
            LoopbackDht.Member first = dht.add(1);
            long joinStart = System.nanoTime();
            // libtorrent joins through the first Enjambre node before the others, so that each side's
            // nodes learn the other's while they join: one DHT, not two bridged by one node.
            LibtorrentNodes libtorrent = null;
            if (libtorrentCount > 0) {
                try {
                    libtorrent = new LibtorrentNodes(libtorrentCount, first.address());
                } catch (Exception e) {
                    System.out.println("libtorrent nodes not started: " + e.getMessage());
                }
            }
            try {
                for (int i = 1; i < count; i++) {
                    LoopbackDht.Member m = dht.addAt("127.0." + (i / 250) + "." + (i % 250 + 1));
                    await(m.node().bootstrap(List.of(first.address())));
                }
                double joinSeconds = (System.nanoTime() - joinStart) / 1e9;
                List<NodeId> hashes = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    NodeId h = NodeId.random();
                    hashes.add(h);
                    await(dht.members.get(ThreadLocalRandom.current().nextInt(count)).node().announce(h, 6881 + i));
                }
                Figures ours = new Figures();
                Figures theirs = new Figures();
                // Interleaved, one lookup at a time: both sides see the same DHT at the same moment.
                for (int i = 0; i < lookups; i++) {
                    NodeId h = hashes.get(i % hashes.size());
                    DhtNode from = dht.members.get(ThreadLocalRandom.current().nextInt(count)).node();
                    DhtNode.LookupResult r = await(from.getPeers(h));
                    ours.add(!r.peers().isEmpty(), r.millis(), r.queries());
                    if (libtorrent != null) {
                        long[] lt = libtorrent.lookup(h);
                        theirs.add(lt[0] > 0, lt[1], lt[2]);
                    }
                }
                line.append(String.format(Locale.ROOT, "%d Enjambre nodes and %s libtorrent sessions in one DHT "
                                + "(joined in %.1f s), 10 info-hashes announced by Enjambre nodes; ",
                        count, libtorrent == null ? "no" : libtorrent.joined + " of " + libtorrentCount, joinSeconds));
                line.append(ours.line("an Enjambre node", lookups));
                if (libtorrent != null) {
                    line.append("; ").append(theirs.line("a libtorrent session", lookups));
                }
                // Reported, not asserted: how many lookups find the announced peer is one of the figures
                // (DhtNetworkTest is where finding it is required).
                assertThat(ours.found).as("lookups that found the peer").isPositive();
            } finally {
                if (libtorrent != null) {
                    libtorrent.close();
                }
            }
        }
        // A store holding 100,000 peers (1,000 info-hashes x 100), measured as retained heap.
        var memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long before = memory.getHeapMemoryUsage().getUsed();
        PeerStore store = new PeerStore(new PeerStore.Limits(1_000, 100, 50), System::currentTimeMillis);
        for (int t = 0; t < 1_000; t++) {
            NodeId h = NodeId.random();
            for (int p = 0; p < 100; p++) {
                store.store(h, new PeerAddress("10." + (t >> 8) + "." + (t & 0xff) + "." + (p + 1), 6881));
            }
        }
        System.gc();
        long after = memory.getHeapMemoryUsage().getUsed();
        assertThat(store.peerCount()).isEqualTo(100_000);
        line.append(String.format(Locale.ROOT, "; a store of %d peers: %.1f MiB of heap (%.0f bytes a peer)",
                store.peerCount(), (after - before) / 1048576.0, (after - before) / 100_000.0));
        Files.writeString(Path.of("target/dht-scale.txt"), line + "\n");
        System.out.println(line);
    }
}
