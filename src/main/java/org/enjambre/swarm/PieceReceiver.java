package org.enjambre.swarm;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vertx.core.Future;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.enjambre.hash.Sha1;
import org.enjambre.metainfo.Info;
import org.enjambre.wire.Message;
import org.enjambre.wire.WireLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where accepted blocks go: a small piece into a memory buffer ({@link PieceBuffers}), hashed there
 * and written once when whole; a large one (or one past the memory budget) to disk block by block
 * and verified by reading it back. Storage and hashing run on the {@link Workers}. Each block, each
 * verified piece and each failure is told to the {@link Listener}s (smart ban, the coordinator).
 */
final class PieceReceiver {
    private static final Logger LOG = LoggerFactory.getLogger(PieceReceiver.class);
    /** Pieces up to this size are downloaded into memory, hashed there and written once. */
    static final int MAX_BUFFERED_PIECE = 4 * 1024 * 1024;
    /**
     * Memory for pieces being downloaded into buffers; past it, pieces go to disk block by block,
     * which costs a worker task per block, a read-back to verify, and holds the request pipeline
     * until each block is written (a loopback leecher whose workers fell behind was seen with one
     * request in flight). Sized from what the JVM may take (direct memory's default limit is the
     * heap's maximum): {@link #bufferBudget}.
     */
    static final long MAX_BUFFERED_BYTES = bufferBudget(Runtime.getRuntime().maxMemory());

    /** What happened to a piece being downloaded. */
    sealed interface PieceEvent {
        /** A block of {@code piece} at {@code begin} came from {@code sender} and is being stored. */
        record BlockReceived(int piece, int begin, PeerStats sender) implements PieceEvent {
        }

        /**
         * The piece passed SHA-1 and is on disk. {@code blockDigests} (SHA-1 of each block) only for a
         * buffered piece a listener asked them for, else null.
         */
        record Verified(int piece, byte[][] blockDigests) implements PieceEvent {
        }

        /** The piece failed SHA-1; {@code blockDigests} for a buffered piece, else null. */
        record Failed(int piece, byte[][] blockDigests) implements PieceEvent {
        }

        /** Storage failed (disk full, file gone): the download cannot go on. */
        record StoreFailed(int piece, Throwable cause) implements PieceEvent {
        }
    }

    interface Listener {
        void onPieceEvent(PieceEvent event);

        /** Whether this listener judges {@code piece}'s blocks when it verifies (digests cost a hash pass). */
        default boolean wantsBlockDigests(int piece) {
            return false;
        }
    }

    private final Info info;
    private final PiecePicker picker;
    private final TorrentState state;
    private final PieceStore store;
    private final Workers workers;
    private final PieceBuffers buffers;
    private final List<Listener> listeners = new ArrayList<>();
    /** One SHA-1 per worker thread (libcrypto's when it loads: fast from the first piece, no C2 warm-up). */
    private static final ThreadLocal<Sha1> SHA1 = ThreadLocal.withInitial(Sha1::create);
    private boolean stopped;

    PieceReceiver(Info info, PiecePicker picker, TorrentState state, PieceStore store, Workers workers,
                  PieceBuffers buffers) {
        this.info = info;
        this.picker = picker;
        this.state = state;
        this.store = store;
        this.workers = workers;
        this.buffers = buffers;
    }

    /**
     * An eighth of {@code maxMemory}, at least 48 MiB (a 4 GiB download fits in {@code -Xmx128m}
     * with it) and at most 128 MiB: about half a second of a loopback transfer, room for the
     * workers' hiccups on a busy machine, and still far below libtorrent's resident memory.
     */
    static long bufferBudget(long maxMemory) {
        return Math.clamp(maxMemory / 8, 48L << 20, 128L << 20);
    }

    /** Listeners hear events in the order they were added. */
    void listen(Listener listener) {
        listeners.add(listener);
    }

    /** The store is closing: late results are dropped silently. */
    void stop() {
        stopped = true;
    }

    /**
     * Stores an accepted block, copying it out of {@code piece} (which the caller still releases).
     * The future completes when the block is safe (at once for a buffered piece; when the disk write
     * is done otherwise), so that the pipeline can count blocks in flight.
     */
    Future<Void> receive(PeerStats sender, Message.Piece piece) {
        int index = piece.index();
        long block = PiecePicker.block(index, piece.begin());
        emit(new PieceEvent.BlockReceived(index, piece.begin(), sender));
        ByteBuffer buffer = buffers.forBlock(index, picker.pieceSize(index), picker.writtenCount(index) > 0);
        if (buffer != null) {
            // Buffered piece: the block waits in memory; the whole piece is hashed there and
            // written once, verified, in one worker task (no per-block hop, no read-back).
            // The block's one copy: from the memory it was read into to the piece's.
            piece.copyTo(buffer, piece.begin());
            if (picker.written(block)) {
                verifyBuffered(index, buffer);
            }
            return Future.succeededFuture();
        }
        // Copied into pooled direct memory of its own: the read it came in goes back to Netty now,
        // and a direct buffer reaches the file with no temporary copy by the JDK.
        ByteBuf data = ByteBufAllocator.DEFAULT.directBuffer(piece.length());
        data.writeBytes(piece.data(), piece.data().readerIndex(), piece.length());
        Future<Void> write = workers.submit(() -> {
            store.writeBlock(index, piece.begin(), data.nioBuffer());
            return null;
        });
        write.onComplete(ar -> {
            data.release();
            if (stopped) {
                return; // the store is closed: late writes fail and need no log
            }
            if (ar.failed()) {
                LOG.error("{}: writing piece {} failed: {}", info.name(), index, ar.cause().getMessage());
                picker.release(block);
                emit(new PieceEvent.StoreFailed(index, ar.cause()));
            } else if (picker.written(block)) {
                verifyOnDisk(index);
            }
        });
        return write;
    }

    private record Verdict(boolean valid, byte[][] blockDigests) {
    }

    private void verifyBuffered(int piece, ByteBuffer buffer) {
        boolean judged = listeners.stream().anyMatch(l -> l.wantsBlockDigests(piece));
        workers.submit(() -> {
            Sha1 sha1 = SHA1.get();
            sha1.update(buffer.duplicate().clear());
            boolean valid = info.pieceHashMatches(piece, sha1.digest());
            // Block digests only when someone is to be judged by them: a failure, or a suspect's piece.
            byte[][] blocks = !valid || judged ? blockDigests(buffer.duplicate().clear(), sha1) : null;
            if (valid) {
                store.writeBlock(piece, 0, buffer.duplicate().clear());
            }
            return new Verdict(valid, blocks);
        }).onComplete(ar -> {
            buffers.release(piece);
            settle(piece, ar.failed() ? null : ar.result(), ar.cause());
        });
    }

    private void verifyOnDisk(int piece) {
        workers.submit(() -> store.verifyPiece(piece))
                .onComplete(ar -> settle(piece, ar.failed() ? null : new Verdict(ar.result(), null), ar.cause()));
    }

    private void settle(int piece, Verdict verdict, Throwable failure) {
        buffers.settled(piece);
        if (stopped) {
            return;
        }
        if (failure != null) {
            LOG.error("{}: storing piece {} failed: {}", info.name(), piece, failure.getMessage());
            picker.failed(piece);
            emit(new PieceEvent.StoreFailed(piece, failure));
        } else if (!verdict.valid()) {
            state.hashFailed();
            picker.failed(piece);
            LOG.warn("{}: piece {} failed SHA-1, fetching it again", info.name(), piece);
            emit(new PieceEvent.Failed(piece, verdict.blockDigests()));
        } else {
            picker.verified(piece);
            emit(new PieceEvent.Verified(piece, verdict.blockDigests()));
        }
    }

    /** The SHA-1 of each block of the piece (its remaining bytes), for smart ban. */
    static byte[][] blockDigests(ByteBuffer piece, Sha1 sha1) {
        int length = piece.remaining();
        int n = (length + WireLimits.BLOCK_LENGTH - 1) / WireLimits.BLOCK_LENGTH;
        byte[][] out = new byte[n][];
        for (int b = 0; b < n; b++) {
            int from = piece.position() + b * WireLimits.BLOCK_LENGTH;
            sha1.update(piece.slice(from, Math.min(WireLimits.BLOCK_LENGTH, length - b * WireLimits.BLOCK_LENGTH)));
            out[b] = sha1.digest();
        }
        return out;
    }

    private void emit(PieceEvent event) {
        for (Listener l : listeners) {
            l.onPieceEvent(event);
        }
    }
}
