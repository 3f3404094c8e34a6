package org.enjambre.metainfo;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import org.enjambre.hash.FileLease;

/**
 * The files of a torrent being made, each mapped whole under a read lease, shared by the hashing
 * threads ({@link PieceHasher}). One mapping per file, not one per thread or per stretch: mapping
 * and unmapping take the process's memory-map lock for writing, which stalled the other hashing
 * thread's page population (the cores went idle), and each unmapping interrupts the other core to
 * flush its TLB. A file's lease and mapping are given back as soon as its last segment is hashed,
 * or, once a writer has started to break the lease, as soon as no thread is reading it.
 */
final class FileMappings implements AutoCloseable {
    /** A file mapped under its lease. */
    record Mapped(FileLease lease, Arena arena, MemorySegment file) {
    }

    private final List<PieceHasher.Source> sources;
    /** Per file: its mapping once made; refused once it cannot be made or its lease broke. */
    private final Mapped[] mapped;
    private final boolean[] refused;
    /** Per file: threads reading it now, and its segments not yet hashed through the mapping. */
    private final int[] readers;
    private final int[] segmentsLeft;

    /** {@code mappableSegments[i]}: how many of the content's segments lie inside file {@code i}. */
    FileMappings(List<PieceHasher.Source> sources, int[] mappableSegments) {
        this.sources = sources;
        this.mapped = new Mapped[sources.size()];
        this.refused = new boolean[sources.size()];
        this.readers = new int[sources.size()];
        this.segmentsLeft = mappableSegments.clone();
    }

    /**
     * File {@code index} mapped under a lease that is still whole, counted as read by the calling
     * thread until it calls {@link #done}; empty when the file cannot be read that way (the lease
     * is refused or broken, the file is shorter than listed, the mapping fails).
     */
    Optional<Mapped> open(int index) {
        Mapped m;
        synchronized (this) {
            m = refused[index] ? null : mapped[index] != null ? mapped[index] : map(index);
            if (m == null) {
                return Optional.empty();
            }
            readers[index]++;
        }
        if (!m.lease().intact()) { // a writer waits for the file: stop mapping it, give it back once unread
            synchronized (this) {
                readers[index]--;
                refused[index] = true;
                releaseIfUnread(index);
            }
            return Optional.empty();
        }
        return Optional.of(m);
    }

    /** The calling thread has finished with file {@code index}, having hashed one of its segments if {@code hashed}. */
    synchronized void done(int index, boolean hashed) {
        readers[index]--;
        if (hashed) {
            segmentsLeft[index]--;
        }
        releaseIfUnread(index);
    }

    /** Refuses file {@code index} from now on (a page could not be read): the plain reads take its segments. */
    synchronized void refuse(int index) {
        refused[index] = true;
        releaseIfUnread(index);
    }

    private Mapped map(int index) {
        PieceHasher.Source s = sources.get(index);
        Optional<FileLease> lease = FileLease.acquire(s.file());
        if (lease.isEmpty()) {
            refused[index] = true;
            return null;
        }
        Arena arena = Arena.ofShared();
        // The size is checked under the lease: the file cannot shrink after this.
        try (FileChannel channel = FileChannel.open(s.file(), StandardOpenOption.READ)) {
            if (channel.size() < s.length()) {
                throw new IOException("shorter than listed"); // the plain reads name it
            }
            mapped[index] = new Mapped(lease.get(), arena, channel.map(FileChannel.MapMode.READ_ONLY, 0, s.length(), arena));
            return mapped[index];
        } catch (IOException | RuntimeException e) { // out of address space, a file system that cannot map...
            arena.close();
            lease.get().close();
            refused[index] = true;
            return null;
        }
    }

    private void releaseIfUnread(int index) {
        Mapped m = mapped[index];
        if (m != null && readers[index] == 0 && (refused[index] || segmentsLeft[index] <= 0)) {
            mapped[index] = null;
            refused[index] = true;
            m.arena().close();
            m.lease().close();
        }
    }

    /**
     * Unmaps every file no thread is reading and gives its lease back; a file still being read
     * (a hashing thread left running after an interrupted wait) goes when its reader is done:
     * unmapping it under libcrypto would be a crash, not an error.
     */
    @Override
    public synchronized void close() {
        for (int i = 0; i < mapped.length; i++) {
            refused[i] = true;
            releaseIfUnread(i);
        }
    }
}
