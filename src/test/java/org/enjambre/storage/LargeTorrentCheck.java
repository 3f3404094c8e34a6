package org.enjambre.storage;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.enjambre.metainfo.Info;
import org.enjambre.metainfo.TorrentFile;

/**
 * Manual check, not a unit test: a torrent much larger than the heap downloads through the storage
 * as the engine would use it (16 KiB blocks in random order from a pool of worker threads, each piece
 * verified from disk once complete), then a full recheck; and a huge sparse torrent where only a few
 * pieces are written. Run with a small heap:
 *
 * <pre>
 * mvn -q -o test-compile
 * java -Xmx256m -cp target/classes:target/test-classes org.enjambre.storage.LargeTorrentCheck /tmp/large-check 4 4
 * </pre>
 * Arguments: folder, size in GiB, piece length in MiB. The folder's files are deleted at the end.
 */
public final class LargeTorrentCheck {
    private static final int BLOCK = 16 * 1024;

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/enjambre-large-check");
        long size = (long) (Double.parseDouble(args.length > 1 ? args[1] : "4") * (1L << 30)) + 12345;
        int pieceLength = (int) (Double.parseDouble(args.length > 2 ? args[2] : "4") * (1 << 20));
        int threads = 4;
        Files.createDirectories(dir);
        System.out.printf("heap max %d MiB, %d cores, torrent %d bytes in pieces of %d%n",
                Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors(), size, pieceLength);

        int pieces = (int) ((size + pieceLength - 1) / pieceLength);
        long t0 = System.nanoTime();
        byte[] hashes = new byte[pieces * 20];
        ByteBuffer block = ByteBuffer.allocate(BLOCK);
        MessageDigest md = TorrentStorage.sha1();
        for (int p = 0; p < pieces; p++) {
            int pieceSize = (int) Math.min(pieceLength, size - (long) p * pieceLength);
            md.reset();
            for (int begin = 0; begin < pieceSize; begin += BLOCK) {
                int n = Math.min(BLOCK, pieceSize - begin);
                fill(block, p, begin, n);
                md.update(block.array(), 0, n);
            }
            System.arraycopy(md.digest(), 0, hashes, p * 20, 20);
        }
        System.out.printf("generated and hashed in memory: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        Info info = new Info("big.bin", pieceLength, hashes, List.of(new TorrentFile(List.of("big.bin"), size, 0)), false, false);

        List<Integer> order = new ArrayList<>();
        for (int p = 0; p < pieces; p++) {
            order.add(p);
        }
        Collections.shuffle(order, new Random(1));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger failed = new AtomicInteger();
        long t1 = System.nanoTime();
        try (TorrentStorage storage = TorrentStorage.open(info, dir)) {
            storage.createFiles();
            // Pieces in random order; within a piece, blocks in random order spread over the pool, as from several peers.
            for (int chunk = 0; chunk < pieces; chunk += threads) {
                List<Future<?>> writes = new ArrayList<>();
                for (int k = chunk; k < Math.min(pieces, chunk + threads); k++) {
                    int p = order.get(k);
                    int pieceSize = info.pieceSize(p);
                    List<Integer> begins = new ArrayList<>();
                    for (int b = 0; b < pieceSize; b += BLOCK) {
                        begins.add(b);
                    }
                    Collections.shuffle(begins, new Random(p));
                    for (int b : begins) {
                        writes.add(pool.submit(() -> {
                            ByteBuffer buf = ByteBuffer.allocate(BLOCK);
                            int n = Math.min(BLOCK, pieceSize - b);
                            fill(buf, p, b, n);
                            storage.writeBlock(p, b, ByteBuffer.wrap(buf.array(), 0, n));
                            return null;
                        }));
                    }
                }
                for (Future<?> f : writes) {
                    f.get();
                }
                List<Future<Boolean>> checks = new ArrayList<>();
                for (int k = chunk; k < Math.min(pieces, chunk + threads); k++) {
                    int p = order.get(k);
                    checks.add(pool.submit(() -> storage.verifyPiece(p)));
                }
                for (Future<Boolean> f : checks) {
                    if (!f.get()) {
                        failed.incrementAndGet();
                    }
                }
            }
            double writeSeconds = (System.nanoTime() - t1) / 1e9;
            System.out.printf("wrote + verified %d pieces: %.1f s, %.0f MB/s, failed pieces %d, peak open files %d%n",
                    pieces, writeSeconds, size / writeSeconds / 1e6, failed.get(), storage.peakOpenFileCount());
            long t2 = System.nanoTime();
            BitSet valid = storage.recheck(RecheckProgress.NONE);
            double recheckSeconds = (System.nanoTime() - t2) / 1e9;
            System.out.printf("recheck (%d threads max): %d/%d valid in %.1f s, %.0f MB/s%n",
                    Math.min(TorrentStorage.MAX_RECHECK_THREADS, Runtime.getRuntime().availableProcessors()),
                    valid.cardinality(), pieces, recheckSeconds, size / recheckSeconds / 1e6);
        } finally {
            pool.shutdownNow();
            Files.deleteIfExists(dir.resolve("big.bin"));
        }

        sparse(dir, pieceLength);
        long peakHeap = 0;
        for (MemoryPoolMXBean pool2 : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool2.getType() == MemoryType.HEAP) {
                peakHeap += pool2.getPeakUsage().getUsed();
            }
        }
        System.out.printf("peak heap used (sum of pool peaks) %d MiB; %s%n", peakHeap >> 20, vmHwm());
        if (failed.get() > 0) {
            System.exit(1);
        }
    }

    /** A 1 TiB single-file torrent of which only three pieces are written: the file stays sparse. */
    private static void sparse(Path dir, int pieceLength) throws IOException {
        long size = 1L << 40;
        int pieces = (int) ((size + pieceLength - 1) / pieceLength);
        byte[] hashes = new byte[pieces * 20];
        int[] written = {0, pieces / 2, pieces - 1};
        for (int p : written) {
            MessageDigest md = TorrentStorage.sha1();
            ByteBuffer block = ByteBuffer.allocate(BLOCK);
            for (int begin = 0; begin < pieceLength; begin += BLOCK) {
                fill(block, p, begin, BLOCK);
                md.update(block.array(), 0, BLOCK);
            }
            System.arraycopy(md.digest(), 0, hashes, p * 20, 20);
        }
        Info info = new Info("huge.bin", pieceLength, hashes, List.of(new TorrentFile(List.of("huge.bin"), size, 0)), false, false);
        long t = System.nanoTime();
        try (TorrentStorage storage = TorrentStorage.open(info, dir)) {
            ByteBuffer block = ByteBuffer.allocate(BLOCK);
            for (int p : written) {
                for (int begin = 0; begin < pieceLength; begin += BLOCK) {
                    fill(block, p, begin, BLOCK);
                    storage.writeBlock(p, begin, ByteBuffer.wrap(block.array(), 0, BLOCK));
                }
            }
            boolean ok = true;
            for (int p : written) {
                ok &= storage.verifyPiece(p);
            }
            ok &= !storage.verifyPiece(1);
            Path f = dir.resolve("huge.bin");
            System.out.printf("sparse 1 TiB torrent: 3 pieces written and verified=%b in %.2f s; file size %d, on disk %s%n",
                    ok, (System.nanoTime() - t) / 1e9, Files.size(f), du(f));
        } finally {
            Files.deleteIfExists(dir.resolve("huge.bin"));
        }
    }

    /** Deterministic pseudo-random bytes for block (piece, begin): xorshift64, fast enough not to be the bottleneck. */
    private static void fill(ByteBuffer block, int piece, int begin, int n) {
        long x = (piece * 0x9E3779B97F4A7C15L) ^ (begin + 0x632BE59BD9B4E019L);
        block.clear();
        for (int i = 0; i + 8 <= n; i += 8) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            block.putLong(i, x);
        }
        for (int i = n & ~7; i < n; i++) {
            block.put(i, (byte) i);
        }
    }

    private static String du(Path f) {
        try {
            Process p = new ProcessBuilder("du", "-k", f.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return out.split("\\s+")[0] + " KiB";
        } catch (IOException | InterruptedException e) {
            return "unknown (" + e + ")";
        }
    }

    private static String vmHwm() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM")) {
                    return "peak RSS " + line.substring(6).trim();
                }
            }
        } catch (IOException ignored) {
            // not Linux
        }
        return "peak RSS unknown";
    }
}
