package org.enjambre.swarm;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.enjambre.metainfo.Info;
import org.enjambre.metainfo.TorrentFile;
import org.enjambre.wire.WireLimits;

/**
 * A torrent held in memory for the engine's unit tests: its content, its {@link Info} (real SHA-1
 * piece hashes), a {@link PieceStore} over a byte array, and workers that run tasks either at
 * once or when the test says.
 */
final class MemoryPieces {
    final byte[] content;
    final Info info;
    final int pieceLength;

    MemoryPieces(int pieceCount, int pieceLength, long seed) throws Exception {
        this.pieceLength = pieceLength;
        content = new byte[pieceCount * pieceLength];
        new Random(seed).nextBytes(content);
        byte[] hashes = new byte[pieceCount * 20];
        for (int i = 0; i < pieceCount; i++) {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(content, i * pieceLength, pieceLength);
            System.arraycopy(sha1.digest(), 0, hashes, i * 20, 20);
        }
        info = new Info("memory", pieceLength, hashes, List.of(new TorrentFile(List.of("memory"), content.length, 0)),
                false, false);
    }

    int pieceCount() {
        return info.pieceCount();
    }

    int blocksPerPiece() {
        return pieceLength / WireLimits.BLOCK_LENGTH;
    }

    byte[] block(int piece, int begin) {
        byte[] out = new byte[WireLimits.BLOCK_LENGTH];
        System.arraycopy(content, piece * pieceLength + begin, out, 0, out.length);
        return out;
    }

    TorrentState state() {
        return new TorrentState(info.pieceCount(), info.pieceLength(), info.totalLength());
    }

    PiecePicker picker(TorrentState state) {
        return new PiecePicker(info.pieceCount(), info.pieceLength(), info.totalLength(), WireLimits.BLOCK_LENGTH,
                state, new Random(7));
    }

    FakeLink link(String name, ManualClock clock) {
        return new FakeLink(name, new org.enjambre.net.PeerAddress("127.0.0.1", 6881), info.pieceCount(),
                info.pieceLength(), info.totalLength(), clock.nanoTime());
    }

    /** A store over a byte array: what is written is kept, reads come from the content given. */
    class Store implements PieceStore {
        final byte[] disk;
        final AtomicInteger writes = new AtomicInteger();
        final AtomicInteger reads = new AtomicInteger();
        /** Each {@link #saveResume} call's pieces, in order; a save fails while {@link #resumeFails} is set. */
        final List<BitSet> resumeSaves = new ArrayList<>();
        boolean resumeFails;

        /** @param full whether the store starts with the whole content (a seeder) */
        Store(boolean full) {
            disk = full ? content.clone() : new byte[content.length];
        }

        @Override
        public void writeBlock(int piece, int begin, ByteBuffer data) {
            writes.incrementAndGet();
            data.duplicate().get(disk, piece * pieceLength + begin, data.remaining());
        }

        @Override
        public ByteBuffer readBlock(int piece, int begin, int length) {
            reads.incrementAndGet();
            return ByteBuffer.wrap(disk, piece * pieceLength + begin, length).slice();
        }

        @Override
        public boolean verifyPiece(int piece) throws IOException {
            try {
                MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
                sha1.update(disk, piece * pieceLength, pieceLength);
                return info.pieceHashMatches(piece, sha1.digest());
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IOException(e);
            }
        }

        @Override
        public BitSet recheck() {
            return new BitSet();
        }

        @Override
        public void saveResume(BitSet verified) throws IOException {
            if (resumeFails) {
                throw new IOException("disk full");
            }
            resumeSaves.add((BitSet) verified.clone());
        }

        @Override
        public void close() {
        }
    }

    /** Runs every task at once, on the caller's thread. */
    static final Workers AT_ONCE = new Workers() {
        @Override
        public <T> Future<T> submit(Callable<T> task) {
            try {
                return Future.succeededFuture(task.call());
            } catch (Exception e) {
                return Future.failedFuture(e);
            }
        }
    };

    /** Runs tasks only when the test calls {@link #runAll}: a disk write still in flight, a slow read. */
    static final class HeldWorkers implements Workers {
        private final ArrayDeque<Runnable> queue = new ArrayDeque<>();

        @Override
        public <T> Future<T> submit(Callable<T> task) {
            Promise<T> promise = Promise.promise();
            queue.add(() -> {
                try {
                    promise.complete(task.call());
                } catch (Exception e) {
                    promise.fail(e);
                }
            });
            return promise.future();
        }

        int pending() {
            return queue.size();
        }

        void runAll() {
            for (int guard = 0; guard < 10_000 && !queue.isEmpty(); guard++) {
                queue.poll().run();
            }
        }
    }
}
