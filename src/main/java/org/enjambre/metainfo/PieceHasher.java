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
            return new Segments(total, pieceLength, Math.max(1, SEGMENT_BYTES / pieceLength));
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
        Segments segments = Segments.of(total, pieceLength);
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
     * One hashing thread's reader: a read buffer, a SHA-1, and the file it has open. The buffer is
     * direct: a positional read lands in it without the copy the JDK makes for a heap array, and
     * libcrypto's SHA-1 ({@link Sha1#create()}) hashes it where it lies.
     */
    private static final class SegmentReader implements AutoCloseable {
        private final Layout layout;
        private final int pieceLength;
        /** A piece fits the buffer: it is read whole and hashed in one call (one downcall to libcrypto). */
        private final boolean wholePieces;
        private final ByteBuffer buffer;
        private final Sha1 sha1 = Sha1.create();
        private int openIndex = -1;
        private FileChannel open;

        SegmentReader(Layout layout) {
            this.layout = layout;
            this.pieceLength = layout.segments().pieceLength();
            this.wholePieces = pieceLength <= READ_SIZE;
            this.buffer = ByteBuffer.allocateDirect(wholePieces ? pieceLength : READ_SIZE);
        }

        /** Hashes the pieces of segment {@code segment} into their places; returns the bytes read. */
        long hashSegment(int segment) throws IOException {
            Segments segments = layout.segments();
            int first = segments.firstPiece(segment);
            int last = segments.endPiece(segment);
            long position = segments.start(segment);
            long end = segments.end(segment);
            List<Source> sources = layout.sources();
            long[] starts = layout.starts();
            int fileIndex = fileAt(sources, starts, position);
            long begin = position;
            for (int piece = first; piece < last; piece++) {
                long pieceEnd = Math.min(end, position + pieceLength);
                buffer.clear();
                while (position < pieceEnd) {
                    Source s = sources.get(fileIndex);
                    long fileEnd = starts[fileIndex] + s.length();
                    if (position >= fileEnd) {
                        fileIndex++;
                        continue;
                    }
                    // Whole pieces: the piece's bytes gather in the buffer (a piece may span files);
                    // else each read is hashed as it comes.
                    int n = (int) Math.min(buffer.capacity() - buffer.position(), Math.min(pieceEnd, fileEnd) - position);
                    buffer.limit(buffer.position() + n);
                    int read = channel(fileIndex).read(buffer, position - starts[fileIndex]);
                    if (read < 0) {
                        throw new MetainfoException(s.file() + ": file shrank while hashing (expected "
                                + s.length() + " bytes, found " + (position - starts[fileIndex]) + ")");
                    }
                    if (!wholePieces) {
                        sha1.update(buffer.flip());
                        buffer.clear();
                    }
                    position += read;
                }
                if (wholePieces) {
                    sha1.digestOf(buffer.flip(), layout.hashes(), piece * Info.HASH_LENGTH);
                } else {
                    sha1.digest(layout.hashes(), piece * Info.HASH_LENGTH);
                }
            }
            return end - begin;
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
