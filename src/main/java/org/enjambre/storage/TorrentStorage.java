package org.enjambre.storage;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.enjambre.hash.Sha1;
import org.enjambre.hash.Sha1Pieces;
import org.enjambre.metainfo.FileLayout;
import org.enjambre.metainfo.Info;
import org.enjambre.metainfo.TorrentFile;

/**
 * The pieces of one torrent on disk, in the layout every client uses: a single-file torrent is the
 * file {@code downloadDir/<name>}, a multi-file torrent the files {@code downloadDir/<name>/<path...>}.
 * The same folder serves {@code seed --data DIR} and {@code download --out DIR}.
 *
 * <p>Blocks are written and read with positional I/O ({@link FileChannel#write(ByteBuffer, long)}),
 * across file boundaries, through a bounded cache of open files ({@link #DEFAULT_MAX_OPEN_FILES}).
 * Nothing is preallocated: files grow (sparse) as blocks land. A piece is verified by reading it back
 * in {@link #HASH_READ_CHUNK}-byte chunks into SHA-1, so memory stays small whatever the piece size or
 * torrent size; a recheck with the side-by-side engine ({@link Sha1Pieces}) reads four whole pieces at
 * a time instead (at most {@link #MAX_SIDE_BY_SIDE_PIECE} each).
 *
 * <p>Nothing is created outside the download folder ({@link DownloadFolder}): every path is checked
 * when the storage is opened, and again before a file is opened or a folder created.
 *
 * <p><b>Thread safety.</b> Every method is thread-safe and blocking; call it from worker threads,
 * never from an event loop. Blocks of different pieces (and disjoint blocks of one piece) may be
 * written and read concurrently. What the storage does not order for the caller: verifying or
 * reading a piece while blocks of that same piece are still being written gives whatever is on disk
 * at that moment, so the engine verifies a piece once all its blocks are written, and serves only
 * verified pieces. After {@link #close()}, every method throws {@link IllegalStateException}.
 */
public final class TorrentStorage implements AutoCloseable {
    /** Open files kept at most (idle ones, least recently used closed first). */
    public static final int DEFAULT_MAX_OPEN_FILES = 64;
    /** Bytes read at a time when hashing a piece: bounds memory per hashing thread. */
    public static final int HASH_READ_CHUNK = 256 * 1024;
    /** Most threads a recheck uses, whatever the machine (disks do not like more readers). */
    public static final int MAX_RECHECK_THREADS = 4;
    /**
     * Largest piece a recheck reads four at a time to hash them side by side ({@link Sha1Pieces}):
     * a worker then holds four pieces, 16 MiB at most; larger pieces stream through
     * {@link #HASH_READ_CHUNK} as before.
     */
    static final int MAX_SIDE_BY_SIDE_PIECE = 4 * 1024 * 1024;
    /**
     * Most bytes handed to one write call: a whole piece arrives in one buffer, and is written a
     * block's size at a time. The kernel sizes new page-cache folios by the write: a 1 MiB write
     * takes 1 MiB folios, which on a VM whose balloon reports free memory back to the host come from
     * memory the host must fault in again. A C program writing 1 GiB to a new file spent 1.5–2.2 s
     * of system time in the copy with 1 MiB writes, 0.3–1.4 s with 16 KiB ones; an Enjambre leecher
     * took ~1 s less system time per GiB (bench/RESULTS.md, "download: the size of a write"). When
     * the host has not taken free memory back, the size made no difference to a 1 GiB download and
     * small writes cost a 4 GiB one 0–15 %. libtorrent writes a block at a time too.
     * {@code -Denjambre.storage.writeChunk=N} changes it (to compare).
     */
    static final int WRITE_CHUNK = Math.max(4096, Integer.getInteger("enjambre.storage.writeChunk", 16 * 1024));
    /** Locks the files' writers share ({@link #writeLocks}). */
    private static final int WRITE_LOCK_STRIPES = 16;
    /** Times one slice's I/O is tried on a freshly opened file after another thread's interrupt closed it. */
    private static final int MAX_IO_ATTEMPTS = 3;

    /**
     * One hashing buffer and digest per thread, shared by every storage: a worker pool verifying
     * pieces all day allocates nothing per piece ({@link #HASH_READ_CHUNK} bytes per thread).
     */
    private static final ThreadLocal<HashScratch> SCRATCH = ThreadLocal.withInitial(HashScratch::new);

    private static final class HashScratch {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(HASH_READ_CHUNK);
        final Sha1 digest = Sha1.create();
    }

    private final Info info;
    private final FileLayout layout;
    private final DownloadFolder folder;
    private final Path contentPath;
    private final Path[] paths;
    private final FileHandleCache handles;
    /**
     * Writers of one file take turns a whole slice at a time (files share a lock by index, striped):
     * the kernel locks the file for each write call, and two threads writing pieces of one file in
     * {@link #WRITE_CHUNK}-byte calls spun on that lock call by call (8 % of a 4 GiB download's CPU,
     * "rwsem_spin_on_owner"). Waiting here, a thread sleeps instead.
     */
    private final Object[] writeLocks = new Object[WRITE_LOCK_STRIPES];

    private TorrentStorage(Info info, Path downloadDir, int maxOpenFiles) throws UnsafePathException {
        this.info = info;
        this.layout = info.layout();
        this.folder = new DownloadFolder(downloadDir);
        if (info.name().equalsIgnoreCase(ResumeData.FOLDER)) {
            // The download and seed commands keep resume data in DOWNLOAD/.enjambre: a torrent of that name would write there.
            throw new UnsafePathException("the torrent's name \"" + info.name() + "\" is reserved for Enjambre's resume data");
        }
        this.contentPath = folder.resolve(List.of(info.name()), "name");
        List<TorrentFile> files = info.files();
        this.paths = new Path[files.size()];
        for (int i = 0; i < paths.length; i++) {
            List<String> components = new ArrayList<>();
            components.add(info.name());
            if (info.multiFile()) {
                components.addAll(files.get(i).path());
            }
            paths[i] = folder.resolve(components, "files[" + i + "]");
        }
        this.handles = new FileHandleCache(maxOpenFiles, this::openChannel);
        Arrays.setAll(writeLocks, i -> new Object());
    }

    /** Opens the storage of {@code info} under {@code downloadDir}; nothing is created yet. */
    public static TorrentStorage open(Info info, Path downloadDir) throws UnsafePathException {
        return open(info, downloadDir, DEFAULT_MAX_OPEN_FILES);
    }

    /**
     * Opens the storage of {@code info} under {@code downloadDir}, keeping at most
     * {@code maxOpenFiles} idle files open. Nothing is created until {@link #createFiles()} or the
     * first write.
     *
     * @throws UnsafePathException if a path of the torrent would leave the download folder
     */
    public static TorrentStorage open(Info info, Path downloadDir, int maxOpenFiles) throws UnsafePathException {
        return new TorrentStorage(info, downloadDir, maxOpenFiles);
    }

    public Info info() {
        return info;
    }

    /** The download folder, absolute and normalized. */
    public Path downloadDir() {
        return folder.root();
    }

    /** {@code downloadDir/<name>}: the file of a single-file torrent, the folder of a multi-file one. */
    public Path contentPath() {
        return contentPath;
    }

    /** Where file {@code fileIndex} of the torrent lives. */
    public Path filePath(int fileIndex) {
        return paths[fileIndex];
    }

    /**
     * Creates the folders and every file that does not exist yet (empty; they grow as blocks are
     * written). Empty files of the torrent exist only thanks to this, so a download calls it first.
     */
    public void createFiles() throws IOException {
        ensureOpen();
        for (Path p : paths) {
            folder.checkInside(p);
            Files.createDirectories(p.getParent());
            folder.checkInside(p);
            if (!Files.exists(p)) {
                try {
                    Files.createFile(p);
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // Another thread's first write created it: fine.
                }
            }
        }
    }

    /** Writes {@code data} at {@code begin} of piece {@code piece}. */
    public void writeBlock(int piece, int begin, byte[] data) throws IOException {
        writeBlock(piece, begin, ByteBuffer.wrap(data));
    }

    /**
     * Writes the remaining bytes of {@code data} at {@code begin} of piece {@code piece}, across file
     * boundaries; the buffer's position ends at its limit.
     *
     * @throws IllegalArgumentException if the piece index is invalid or the block is not inside the piece
     */
    public void writeBlock(int piece, int begin, ByteBuffer data) throws IOException {
        int length = data.remaining();
        long offset = blockOffset(piece, begin, length);
        transfer(offset, data, true);
    }

    /**
     * Reads {@code length} bytes at {@code begin} of piece {@code piece}.
     *
     * @throws IllegalArgumentException if the piece index is invalid or the block is not inside the piece
     * @throws NoSuchFileException      if a file holding the block does not exist
     * @throws EOFException             if a file holding the block is shorter than the block needs
     */
    public byte[] readBlock(int piece, int begin, int length) throws IOException {
        long offset = blockOffset(piece, begin, length);
        byte[] out = new byte[length];
        transfer(offset, ByteBuffer.wrap(out), false);
        return out;
    }

    /** Reads {@code into.remaining()} bytes at {@code begin} of piece {@code piece} into {@code into}. */
    public void readBlock(int piece, int begin, ByteBuffer into) throws IOException {
        long offset = blockOffset(piece, begin, into.remaining());
        transfer(offset, into, false);
    }

    /**
     * Whether piece {@code piece} on disk has the SHA-1 the torrent gives. A piece whose files are
     * missing or too short is simply not valid.
     */
    public boolean verifyPiece(int piece) throws IOException {
        checkPiece(piece);
        HashScratch scratch = SCRATCH.get();
        return hashMatches(piece, scratch.buffer, scratch.digest);
    }

    /** {@link #recheck(int, RecheckProgress)} on as many threads as cores, up to {@link #MAX_RECHECK_THREADS}. */
    public BitSet recheck(RecheckProgress progress) throws IOException, InterruptedException {
        return recheck(Runtime.getRuntime().availableProcessors(), progress);
    }

    /**
     * Checks the data on disk: the set of pieces whose SHA-1 matches. Pieces that lie (partly) in
     * files that are missing or too short are invalid without being read; the others are hashed on
     * up to {@code threads} threads (at most {@link #MAX_RECHECK_THREADS}), in roughly ascending
     * order so that reads stay mostly sequential. Interrupting the calling thread stops the recheck.
     */
    public BitSet recheck(int threads, RecheckProgress progress) throws IOException, InterruptedException {
        ensureOpen();
        int pieceCount = info.pieceCount();
        long[] sizes = new long[paths.length];
        for (int i = 0; i < paths.length; i++) {
            sizes[i] = existingSize(paths[i]);
        }
        int[] toHash = new int[pieceCount];
        int hashCount = 0;
        for (int p = 0; p < pieceCount; p++) {
            if (allBytesPresent(p, sizes)) {
                toHash[hashCount++] = p;
            }
        }
        BitSet valid = new BitSet(pieceCount);
        AtomicInteger checked = new AtomicInteger(pieceCount - hashCount);
        AtomicInteger validCount = new AtomicInteger();
        progress.update(checked.get(), 0, pieceCount);
        if (hashCount == 0) {
            return valid;
        }
        int workers = Math.max(1, Math.min(Math.min(threads, MAX_RECHECK_THREADS), hashCount));
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        int total = hashCount;
        // Side by side (Sha1Pieces): a worker takes four pieces at a time, reads them whole into one
        // buffer and hashes them in one call, twice the speed of one piece after another.
        boolean sideBySide = Sha1Pieces.sideBySide() && info.pieceLength() <= MAX_SIDE_BY_SIDE_PIECE;
        Consumer<Verdict> record = verdict -> {
            int v = validCount.get();
            if (verdict.valid()) {
                synchronized (valid) {
                    valid.set(verdict.piece());
                }
                v = validCount.incrementAndGet();
            }
            progress.update(checked.incrementAndGet(), v, pieceCount);
        };
        Runnable work = () -> {
            if (sideBySide) {
                recheckSideBySide(toHash, total, next, failure, record);
                return;
            }
            ByteBuffer buffer = ByteBuffer.allocateDirect(HASH_READ_CHUNK);
            Sha1 digest = Sha1.create();
            while (failure.get() == null && !Thread.currentThread().isInterrupted()) {
                int k = next.getAndIncrement();
                if (k >= total) {
                    return;
                }
                int piece = toHash[k];
                try {
                    record.accept(new Verdict(piece, hashMatches(piece, buffer, digest)));
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                    return;
                }
            }
        };
        Thread[] pool = new Thread[workers];
        for (int i = 0; i < workers; i++) {
            pool[i] = new Thread(work, "enjambre-recheck-" + i);
            pool[i].setDaemon(true);
            pool[i].start();
        }
        try {
            for (Thread t : pool) {
                t.join();
            }
        } catch (InterruptedException e) {
            for (Thread t : pool) {
                t.interrupt();
            }
            for (Thread t : pool) {
                t.join(TimeUnit.SECONDS.toMillis(10));
            }
            throw e;
        }
        Throwable t = failure.get();
        if (t instanceof IOException io) {
            throw io;
        } else if (t instanceof RuntimeException re) {
            throw re;
        } else if (t instanceof Error err) {
            throw err;
        } else if (t != null) {
            throw new IllegalStateException(t);
        }
        synchronized (valid) {
            return (BitSet) valid.clone();
        }
    }

    /**
     * The files that are missing or shorter than the torrent says (not regular files count as
     * missing), in torrent order: what a seeder names when it refuses to seed incomplete data.
     */
    public List<Path> incompleteFiles() throws IOException {
        ensureOpen();
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < paths.length; i++) {
            if (existingSize(paths[i]) < info.files().get(i).length()) {
                out.add(paths[i]);
            }
        }
        return out;
    }

    /** Size and modification time of every file (size -1 when missing), for {@link ResumeData}. */
    public List<ResumeData.FileStamp> fileStamps() throws IOException {
        ensureOpen();
        List<ResumeData.FileStamp> out = new ArrayList<>(paths.length);
        for (Path p : paths) {
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class);
            } catch (NoSuchFileException e) {
                out.add(ResumeData.FileStamp.MISSING);
                continue;
            }
            out.add(new ResumeData.FileStamp(a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS)));
        }
        return out;
    }

    /** Forces what was written through the open files to the device (for power loss, not for crashes). */
    public void flush() throws IOException {
        handles.force();
    }

    /** Files open right now (for tests and metrics). */
    public int openFileCount() {
        return handles.channelsOpen();
    }

    /** Most files ever open at once (for tests and metrics). */
    public int peakOpenFileCount() {
        return handles.peakChannelsOpen();
    }

    /** Closes every open file. Later calls of any method but {@code close} throw {@link IllegalStateException}. */
    @Override
    public void close() {
        handles.close();
    }

    // ---------------------------------------------------------------------------------------------

    private long blockOffset(int piece, int begin, int length) {
        checkPiece(piece);
        int size = info.pieceSize(piece);
        if (begin < 0 || length <= 0 || (long) begin + length > size) {
            throw new IllegalArgumentException("block " + begin + "+" + length + " is not inside piece " + piece
                    + " of " + size + " bytes");
        }
        return (long) piece * info.pieceLength() + begin;
    }

    private void checkPiece(int piece) {
        ensureOpen();
        if (piece < 0 || piece >= info.pieceCount()) {
            throw new IllegalArgumentException("piece " + piece + " does not exist (the torrent has "
                    + info.pieceCount() + " pieces)");
        }
    }

    private void ensureOpen() {
        if (handles.isClosed()) {
            throw new IllegalStateException("storage of " + info.name() + " is closed");
        }
    }

    /** Whether every byte of piece {@code piece} lies inside the files as they are now. */
    private boolean allBytesPresent(int piece, long[] sizes) {
        long offset = (long) piece * info.pieceLength();
        for (FileLayout.Slice s : layout.slices(offset, info.pieceSize(piece))) {
            if (sizes[s.fileIndex()] < s.fileOffset() + s.length()) {
                return false;
            }
        }
        return true;
    }

    private static long existingSize(Path p) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return a.isRegularFile() ? a.size() : -1;
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    /**
     * Reads the piece back through a direct buffer (the read lands in it without a copy) and hashes
     * it with {@link Sha1#create()}'s engine: libcrypto's hashes that buffer where it lies.
     */
    private boolean hashMatches(int piece, ByteBuffer chunk, Sha1 digest) throws IOException {
        digest.reset();
        int size = info.pieceSize(piece);
        long start = (long) piece * info.pieceLength();
        try {
            for (int done = 0; done < size; ) {
                int n = Math.min(chunk.capacity(), size - done);
                chunk.clear().limit(n);
                transfer(start + done, chunk, false);
                digest.update(chunk.flip());
                done += n;
            }
        } catch (NoSuchFileException | EOFException missing) {
            return false;
        }
        return info.pieceHashMatches(piece, digest.digest());
    }

    /** One piece's outcome in a recheck. */
    private record Verdict(int piece, boolean valid) {
    }

    /**
     * A recheck worker with the side-by-side engine: takes {@link Sha1Pieces#LANES} entries of
     * {@code toHash} at a time, reads those pieces whole into one buffer (only the torrent's last
     * piece, always last in {@code toHash}, may be shorter) and hashes them in one call. The buffer
     * lives in a confined arena, freed when the worker ends rather than whenever a collection runs.
     */
    private void recheckSideBySide(int[] toHash, int total, AtomicInteger next, AtomicReference<Throwable> failure,
                                   Consumer<Verdict> verdicts) {
        int lanes = Sha1Pieces.LANES;
        int pieceLength = info.pieceLength();
        try (Arena arena = Arena.ofConfined()) {
            ByteBuffer batch = arena.allocate((long) lanes * pieceLength, 64).asByteBuffer();
            Sha1Pieces engine = Sha1Pieces.create();
            byte[] digests = new byte[lanes * Sha1.DIGEST_LENGTH];
            boolean[] present = new boolean[lanes];
            while (failure.get() == null && !Thread.currentThread().isInterrupted()) {
                int k = next.getAndAdd(lanes);
                if (k >= total) {
                    return;
                }
                int n = Math.min(lanes, total - k);
                int bytes = 0;
                for (int i = 0; i < n; i++) {
                    int piece = toHash[k + i];
                    int size = info.pieceSize(piece);
                    try {
                        transfer((long) piece * pieceLength, batch.slice(i * pieceLength, size), false);
                        present[i] = true;
                    } catch (NoSuchFileException | EOFException missing) {
                        present[i] = false; // not valid; its slot is hashed for nothing
                    }
                    bytes = i * pieceLength + size;
                }
                engine.digest(batch.slice(0, bytes), pieceLength, digests, 0);
                for (int i = 0; i < n; i++) {
                    int piece = toHash[k + i];
                    boolean ok = present[i] && info.pieceHashMatches(piece,
                            Arrays.copyOfRange(digests, i * Sha1.DIGEST_LENGTH, (i + 1) * Sha1.DIGEST_LENGTH));
                    verdicts.accept(new Verdict(piece, ok));
                }
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    /** Moves {@code buffer.remaining()} bytes between the buffer and the content at {@code offset}. */
    private void transfer(long offset, ByteBuffer buffer, boolean write) throws IOException {
        List<FileLayout.Slice> slices = layout.slices(offset, buffer.remaining());
        for (FileLayout.Slice s : slices) {
            int from = buffer.position();
            withRetry(s, buffer, from, write);
            buffer.position(from + s.length());
        }
    }

    /**
     * One slice's I/O. If the channel was closed under us by another thread's interrupt (a
     * {@link FileChannel} closes itself for everyone when a thread using it is interrupted), the
     * handle is dropped and the I/O done again on a fresh one (up to {@link #MAX_IO_ATTEMPTS} times):
     * positional I/O is idempotent.
     */
    private void withRetry(FileLayout.Slice s, ByteBuffer buffer, int from, boolean write) throws IOException {
        for (int attempt = 0; ; attempt++) {
            FileHandleCache.Handle h = handles.acquire(s.fileIndex(), write);
            try {
                ByteBuffer part = buffer.duplicate();
                part.position(from).limit(from + s.length());
                if (write) {
                    synchronized (writeLocks[s.fileIndex() % WRITE_LOCK_STRIPES]) {
                        writeFully(h.channel, part, s.fileOffset());
                    }
                } else {
                    readFully(h.channel, part, s.fileOffset(), s.fileIndex());
                }
                return;
            } catch (ClosedChannelException e) {
                handles.invalidate(h);
                ensureOpen();
                if (e instanceof ClosedByInterruptException || Thread.currentThread().isInterrupted()) {
                    InterruptedIOException ie = new InterruptedIOException("interrupted during I/O on " + paths[s.fileIndex()]);
                    ie.initCause(e);
                    throw ie;
                }
                if (attempt + 1 >= MAX_IO_ATTEMPTS) {
                    throw e;
                }
            } finally {
                handles.release(h);
            }
        }
    }

    /** Writes {@code part} at {@code position}, at most {@link #WRITE_CHUNK} bytes per write call. */
    private static void writeFully(FileChannel channel, ByteBuffer part, long position) throws IOException {
        int limit = part.limit();
        try {
            while (part.position() < limit) {
                part.limit(Math.min(limit, part.position() + WRITE_CHUNK));
                position += channel.write(part, position);
            }
        } finally {
            part.limit(limit);
        }
    }

    private void readFully(FileChannel channel, ByteBuffer part, long position, int fileIndex) throws IOException {
        while (part.hasRemaining()) {
            int n = channel.read(part, position);
            if (n < 0) {
                throw new EOFException(paths[fileIndex] + " ends at byte " + position + ", before the "
                        + part.remaining() + " more bytes wanted");
            }
            position += n;
        }
    }

    /** Called by the handle cache, under its lock, on a cache miss. */
    private FileChannel openChannel(int fileIndex, boolean forWrite) throws IOException {
        Path p = paths[fileIndex];
        folder.checkInside(p);
        if (!forWrite) {
            return FileChannel.open(p, StandardOpenOption.READ);
        }
        Files.createDirectories(p.getParent());
        // Again after creating: a folder that appeared meanwhile may be a link that leads outside.
        folder.checkInside(p);
        FileChannel channel = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE);
        long expected = info.files().get(fileIndex).length();
        if (channel.size() > expected) {
            // Bytes past the torrent's length are not part of it: a download must end byte-exact.
            channel.truncate(expected);
        }
        return channel;
    }

    static MessageDigest sha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by every Java platform", e);
        }
    }
}
