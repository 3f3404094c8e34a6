package org.enjambre.metainfo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import org.enjambre.hash.Sha1;
import org.enjambre.hash.Sha1Pieces;

/**
 * Hashes the content of a torrent being made as one stream of pieces, on several threads.
 *
 * <p>The pieces are cut into segments of whole pieces (about {@link #SEGMENT_BYTES}) that the
 * hashing threads take in turn. A thread reads its segment sequentially with positional reads of
 * {@link #READ_SIZE} bytes and hashes each read while it is still in the CPU cache; memory is one
 * read buffer per thread whatever the size of the content, and reading happens on every core rather
 * than one reader feeding the others (a single reader thread was the bottleneck: copying from the
 * page cache costs a third of what SHA-1 does).
 *
 * <p>Segments used to be hashed through the file's mapping, under a read lease, to save the copy.
 * On Linux 6.18 that saved nothing when the file's cached pages were large folios, and cost ~50 %
 * more time when they were small ones (a file written in small writes, as a download is): mapping
 * then sets up a page-table entry per 4 KiB page (bench/RESULTS.md, "create: reads instead of
 * mappings"). Plain reads cost the same in both cases.
 */
final class PieceHasher {
    /** Bytes read at once by a hashing thread: large sequential reads, yet small enough to hash from the CPU cache. */
    static final int READ_SIZE = Integer.getInteger("enjambre.hash.readSize", 1024 * 1024);
    /** Content a hashing thread takes at a time (whole pieces, at least one). */
    static final int SEGMENT_BYTES = 8 * 1024 * 1024;
    /**
     * About how many bytes of whole pieces are read before they are hashed together, when the
     * native engine hashes {@link Sha1Pieces#LANES} pieces side by side (at least that many pieces).
     */
    static final int BATCH_BYTES = 4 * 1024 * 1024;
    /** Pieces longer than this are not batched (the buffer would be four of them): they stream through a {@link Sha1}. */
    static final int MAX_BATCHED_PIECE = 4 * 1024 * 1024;

    /**
     * Pieces of {@code pieceLength} read and hashed together: a multiple of {@link Sha1Pieces#LANES}
     * near {@link #BATCH_BYTES} when the engine hashes side by side, else one piece
     * when a piece fits a read, else 0 (the piece streams through a {@link Sha1}, a read at a time).
     */
    static int batchFor(int pieceLength, boolean sideBySide) {
        if (sideBySide && pieceLength <= MAX_BATCHED_PIECE) {
            return Math.max(Sha1Pieces.LANES, BATCH_BYTES / pieceLength / Sha1Pieces.LANES * Sha1Pieces.LANES);
        }
        return pieceLength <= READ_SIZE ? 1 : 0;
    }

    /** A file to hash: where it is, and its length when it was listed. */
    record Source(Path file, long length) {
    }

    /**
     * The content cut into segments of whole pieces, the last one shorter: where segment {@code s}
     * starts and ends, in pieces and in bytes.
     */
    record Segments(long total, int pieceLength, int piecesPerSegment) {
        /** Segments of about {@link PieceHasher#SEGMENT_BYTES}, at least one piece each. */
        static Segments of(long total, int pieceLength) {
            return of(total, pieceLength, 1);
        }

        /**
         * Segments of about {@link PieceHasher#SEGMENT_BYTES} and of a whole number of batches of
         * {@code batch} pieces, so that every batch but the content's last is full.
         */
        static Segments of(long total, int pieceLength, int batch) {
            int pieces = Math.max(1, SEGMENT_BYTES / pieceLength);
            return new Segments(total, pieceLength, Math.ceilDiv(pieces, batch) * batch);
        }

        int pieceCount() {
            return (int) Info.pieceCountFor(total, pieceLength);
        }

        int count() {
            return Math.ceilDiv(pieceCount(), piecesPerSegment);
        }

        int firstPiece(int segment) {
            return segment * piecesPerSegment;
        }

        /** The piece after the segment's last. */
        int endPiece(int segment) {
            return Math.min(pieceCount(), firstPiece(segment) + piecesPerSegment);
        }

        long start(int segment) {
            return (long) firstPiece(segment) * pieceLength;
        }

        /** The content byte after the segment's last. */
        long end(int segment) {
            return Math.min(total, (long) endPiece(segment) * pieceLength);
        }
    }

    private PieceHasher() {
    }

    /**
     * The SHA-1 of every piece of the content made of {@code sources} one after the other, the
     * pieces' digests end to end, on {@code threads} threads (the calling one included);
     * {@code progress} hears the bytes hashed so far. Fails with a {@link MetainfoException} naming
     * the file when one shrinks or grows.
     */
    static byte[] hash(List<Source> sources, int pieceLength, int threads, LongConsumer progress) throws IOException {
        long[] starts = new long[sources.size()];
        long total = 0;
        for (int i = 0; i < starts.length; i++) {
            starts[i] = total;
            total += sources.get(i).length();
        }
        Segments segments = Segments.of(total, pieceLength, Math.max(1, batchFor(pieceLength, Sha1Pieces.sideBySide())));
        byte[] hashes = new byte[segments.pieceCount() * Info.HASH_LENGTH];
        hashSegments(new Layout(sources, starts, segments, hashes), threads, progress);
        // A file that grew while it was read would give a torrent that does not match it.
        for (Source s : sources) {
            long size = Files.size(s.file());
            if (size != s.length()) {
                throw new MetainfoException(s.file() + ": file changed size while hashing (" + s.length() + " -> " + size + " bytes)");
            }
        }
        return hashes;
    }

    /** The first non-empty file holding content byte {@code position}. */
    private static int fileAt(List<Source> sources, long[] starts, long position) {
        int found = FileLayout.firstFileAt(starts, position);
        while (starts[found] + sources.get(found).length() <= position) {
            found++;
        }
        return found;
    }

    /** Runs the hashing threads (the calling one among them) over every segment; rethrows the first failure. */
    private static void hashSegments(Layout layout, int threads, LongConsumer progress) throws IOException {
        int segments = layout.segments().count();
        int workers = Math.min(threads, segments);
        AtomicInteger nextSegment = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong hashed = new AtomicLong();
        Runnable worker = () -> {
            try (SegmentReader reader = new SegmentReader(layout)) {
                int segment;
                while (failure.get() == null && (segment = nextSegment.getAndIncrement()) < segments) {
                    long bytes = reader.hashSegment(segment);
                    progress.accept(hashed.addAndGet(bytes));
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        };
        List<Thread> helpers = new ArrayList<>();
        for (int i = 1; i < workers; i++) {
            Thread t = new Thread(worker, "enjambre-hasher-" + i);
            t.setDaemon(true);
            helpers.add(t);
            t.start();
        }
        worker.run(); // the calling thread hashes too
        try {
            for (Thread t : helpers) {
                t.join();
            }
        } catch (InterruptedException e) {
            failure.compareAndSet(null, e);
            nextSegment.set(segments);
            Thread.currentThread().interrupt();
        }
        Throwable t = failure.get();
        if (t instanceof MetainfoException me) {
            throw new MetainfoException(me.getMessage(), me);
        } else if (t instanceof IOException io) {
            throw io;
        } else if (t instanceof InterruptedException) {
            throw new IOException("interrupted while hashing", t);
        } else if (t != null) {
            throw new IllegalStateException("hashing failed: " + t, t);
        }
    }

    /** What every hashing thread shares: the files, where each starts in the content, its segments, and where the digests go. */
    private record Layout(List<Source> sources, long[] starts, Segments segments, byte[] hashes) {
    }

    /**
     * One hashing thread's reader: a read buffer, a SHA-1 engine, and the file it has open. The
     * buffer is direct: a positional read lands in it without the copy the JDK makes for a heap
     * array, and the native engine or libcrypto hashes it where it lies. Whole pieces are read
     * into it a batch at a time ({@link #batchFor}) and hashed in one call; a piece larger than a
     * read streams through a {@link Sha1}.
     */
    private static final class SegmentReader implements AutoCloseable {
        private final Layout layout;
        private final int pieceLength;
        /** Pieces read and hashed together ({@link #batchFor}); 0: each piece streams, a read at a time. */
        private final int batch;
        private final ByteBuffer buffer;
        private final Sha1Pieces pieces;
        private Sha1 streaming;
        private int openIndex = -1;
        private FileChannel open;
        /** The file holding the next byte to read. */
        private int fileIndex;

        SegmentReader(Layout layout) {
            this.layout = layout;
            this.pieceLength = layout.segments().pieceLength();
            this.pieces = Sha1Pieces.create();
            this.batch = batchFor(pieceLength, pieces.batched());
            this.buffer = ByteBuffer.allocateDirect(batch > 0 ? batch * pieceLength : READ_SIZE);
        }

        /** Hashes the pieces of segment {@code segment} into their places; returns the bytes read. */
        long hashSegment(int segment) throws IOException {
            Segments segments = layout.segments();
            int first = segments.firstPiece(segment);
            int last = segments.endPiece(segment);
            long begin = segments.start(segment);
            long end = segments.end(segment);
            fileIndex = fileAt(layout.sources(), layout.starts(), begin);
            long position = begin;
            if (batch > 0) {
                for (int piece = first; piece < last; piece += batch) {
                    long batchEnd = Math.min(end, position + (long) Math.min(batch, last - piece) * pieceLength);
                    buffer.clear();
                    read(position, batchEnd);
                    pieces.digest(buffer.flip(), pieceLength, layout.hashes(), piece * Info.HASH_LENGTH);
                    position = batchEnd;
                }
                return end - begin;
            }
            if (streaming == null) {
                streaming = Sha1.create();
            }
            for (int piece = first; piece < last; piece++) {
                long pieceEnd = Math.min(end, position + pieceLength);
                while (position < pieceEnd) {
                    long readEnd = Math.min(pieceEnd, position + buffer.capacity());
                    buffer.clear();
                    read(position, readEnd);
                    streaming.update(buffer.flip());
                    position = readEnd;
                }
                streaming.digest(layout.hashes(), piece * Info.HASH_LENGTH);
            }
            return end - begin;
        }

        /** Reads content bytes {@code from} to {@code to} into the buffer (which has room), across files. */
        private void read(long from, long to) throws IOException {
            List<Source> sources = layout.sources();
            long[] starts = layout.starts();
            long position = from;
            while (position < to) {
                Source s = sources.get(fileIndex);
                long fileEnd = starts[fileIndex] + s.length();
                if (position >= fileEnd) {
                    fileIndex++;
                    continue;
                }
                buffer.limit(buffer.position() + (int) (Math.min(to, fileEnd) - position));
                int read = channel(fileIndex).read(buffer, position - starts[fileIndex]);
                if (read < 0) {
                    throw new MetainfoException(s.file() + ": file shrank while hashing (expected "
                            + s.length() + " bytes, found " + (position - starts[fileIndex]) + ")");
                }
                position += read;
            }
        }

        private FileChannel channel(int index) throws IOException {
            if (index != openIndex) {
                close();
                open = FileChannel.open(layout.sources().get(index).file(), StandardOpenOption.READ);
                openIndex = index;
            }
            return open;
        }

        @Override
        public void close() throws IOException {
            if (open != null) {
                open.close();
                open = null;
                openIndex = -1;
            }
        }
    }
}
