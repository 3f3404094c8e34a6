package org.enjambre.hash;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A Linux read lease on a file (fcntl {@code F_SETLEASE}, {@code F_RDLCK}): while it is held, no
 * process can open the file for writing or truncate it; the kernel holds such an {@code open} back
 * (or fails it with {@code EAGAIN} when non-blocking) until the lease is given back, for at most
 * {@code /proc/sys/fs/lease-break-time} seconds (45 by default).
 *
 * <p>Why: libcrypto hashes a file fastest where it lies in the page cache, through a mapping (no
 * copy into a read buffer: ~15 % of a {@code create}'s CPU). But a mapped page that is truncated away
 * raises SIGBUS on access, and inside native code the JVM cannot turn that into an exception: it
 * dies. Under a read lease nothing truncates the file, so a mapping read while the lease is held is
 * safe from that. Check {@link #intact()} before each stretch read (a few MiB) and give the lease
 * back once it says no, so that a writer waits milliseconds, never the lease-break time.
 *
 * <p>A lease is refused, and {@link #acquire} is empty, when the file is open for writing anywhere,
 * when this process neither owns the file nor has {@code CAP_LEASE}, on file systems without
 * leases, off Linux, or when libc's functions cannot be linked: callers then read the file with
 * plain reads, as before. When a writer breaks the lease the kernel signals this process; the
 * signal is set to SIGURG, whose default action is to ignore it (the default, SIGIO, would end the
 * JVM); {@link #intact()} tells a reader that a break has begun, so it stops reading through its
 * mapping and gives the lease back.
 */
public final class FileLease implements AutoCloseable {
    // Linux's values, the same on x86-64 and AArch64 (asm-generic/fcntl.h, signal.h).
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int F_SETSIG = 10;
    private static final int F_SETLEASE = 1024;
    private static final int F_GETLEASE = 1025;
    private static final int F_RDLCK = 0;
    private static final int SIGURG = 23;
    private static final int MADV_POPULATE_READ = 22;
    private static final int MADV_DONTNEED = 4;
    /** Page size to align madvise's start to; 4 KiB on x86-64, and a multiple of it elsewhere rounds safely down. */
    private static final long PAGE_SIZE = 4096;

    private static final long AT_FDCWD = -100;

    /**
     * libc's {@code syscall(number, ...)} and this architecture's numbers for the four calls used:
     * one handle for all four, in the shape libcrypto's SHA1 is linked with ({@link Downcalls}),
     * since FFM spins classes and C1 compiles them for every distinct shape linked (~20-40 ms of
     * CPU each at a start, which four separate functions would cost a 1 GiB create).
     */
    private record Libc(MethodHandle syscall, long openat, long close, long fcntl, long madvise) {
        long call(long number, long a, long b, long c) throws Throwable {
            return (long) syscall.invokeExact(number, a, b, c);
        }
    }

    private static final class Linked {
        static final Object LIBC_OR_REASON = linkLibc();
    }

    private final int fd;
    private boolean closed;

    private FileLease(int fd) {
        this.fd = fd;
    }

    /**
     * Links libc's functions now (a few tens of milliseconds once per process: FFM spins classes for
     * every new signature), so that a thread with nothing else to do can pay for it early. Returns
     * whether leases can be asked for at all.
     */
    public static boolean link() {
        return Linked.LIBC_OR_REASON instanceof Libc;
    }

    /** Why leases are not available, or null when they are. */
    static String unavailableReason() {
        return Linked.LIBC_OR_REASON instanceof String reason ? reason : null;
    }

    /** A read lease on {@code file}, or empty when it cannot be had (see the class comment). */
    public static Optional<FileLease> acquire(Path file) {
        if (!(Linked.LIBC_OR_REASON instanceof Libc libc)) {
            return Optional.empty();
        }
        try (Arena arena = Arena.ofConfined()) {
            long fd = libc.call(libc.openat(), AT_FDCWD, arena.allocateFrom(file.toString()).address(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                return Optional.empty();
            }
            if (libc.call(libc.fcntl(), fd, F_SETSIG, SIGURG) != 0 || libc.call(libc.fcntl(), fd, F_SETLEASE, F_RDLCK) != 0) {
                libc.call(libc.close(), fd, 0, 0);
                return Optional.empty();
            }
            return Optional.of(new FileLease((int) fd));
        } catch (Throwable e) { // a path libc cannot take (NUL inside), a broken link: read the plain way
            return Optional.empty();
        }
    }

    /**
     * Brings every page of {@code mapped} (a mapping of a file) into memory and into the mapping
     * ({@code MADV_POPULATE_READ}, Linux 5.14+), reporting failure instead of raising SIGBUS: true
     * when all of it is there, false when a page could not be read (an I/O error, a range past the
     * end of the file) or the kernel is older. After true, and while a lease keeps the file whole,
     * native code can read the mapping without touching the disk.
     */
    public static boolean populate(MemorySegment mapped) {
        return madvise(mapped, MADV_POPULATE_READ);
    }

    /**
     * Drops the pages of {@code mapped} from this process's page tables ({@code MADV_DONTNEED}; the
     * page cache keeps them, and a later read faults them back in): a file hashed through one
     * mapping does not stay resident in the process as it is read. Best effort.
     */
    public static void forget(MemorySegment mapped) {
        madvise(mapped, MADV_DONTNEED); // best effort: on failure the pages go with the mapping
    }

    /** madvise over {@code mapped}'s pages; whether it succeeded (false too when libc is not linked). */
    private static boolean madvise(MemorySegment mapped, int advice) {
        if (!(Linked.LIBC_OR_REASON instanceof Libc libc)) {
            return false;
        }
        // madvise wants a page-aligned start: round down inside the mapping's first page (the
        // mapping itself starts on a page; FileChannel.map only offsets the segment into it).
        long address = mapped.address();
        long aligned = address & -PAGE_SIZE;
        try {
            return libc.call(libc.madvise(), aligned, mapped.byteSize() + (address - aligned), advice) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    /**
     * Whether the lease is still whole: false once a writer has started to break it (the kernel
     * then gives this process the lease-break time to finish what it is reading, and no more).
     * Check before each stretch read through a mapping.
     */
    public boolean intact() {
        if (closed || !(Linked.LIBC_OR_REASON instanceof Libc libc)) {
            return false;
        }
        try {
            return libc.call(libc.fcntl(), fd, F_GETLEASE, 0) == F_RDLCK;
        } catch (Throwable e) {
            return false;
        }
    }

    /** Gives the lease back (closing its descriptor releases it); a waiting writer goes on. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (Linked.LIBC_OR_REASON instanceof Libc libc) {
            try {
                libc.call(libc.close(), fd, 0, 0);
            } catch (Throwable e) {
                throw new IllegalStateException("close of a leased descriptor failed", e);
            }
        }
    }

    private static Object linkLibc() {
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            return "read leases are Linux's (this is " + System.getProperty("os.name") + ")";
        }
        // Linux's system call numbers (asm/unistd.h): x86-64's own table, and the generic one of AArch64.
        long[] numbers = switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> new long[] {257, 3, 72, 28};
            case "aarch64" -> new long[] {56, 57, 25, 233};
            default -> null;
        };
        if (numbers == null) {
            return "no system call numbers known for " + System.getProperty("os.arch");
        }
        try {
            Linker linker = Linker.nativeLinker();
            // long syscall(long number, ...) with three arguments, in the shape libcrypto's SHA1
            // is linked with (Downcalls: one stub for both). An int or a pointer passed as a long
            // is what the kernel reads from a 64-bit register either way; openat's mode, left out,
            // is only read with O_CREAT.
            MethodHandle syscall = linker.downcallHandle(find(linker.defaultLookup(), "syscall"), Downcalls.FOUR_LONGS);
            return new Libc(syscall, numbers[0], numbers[1], numbers[2], numbers[3]);
        } catch (Throwable e) { // IllegalCallerException (native access denied), a libc without the symbol...
            return "libc's syscall cannot be linked: " + e;
        }
    }

    private static MemorySegment find(SymbolLookup lookup, String symbol) {
        return lookup.find(symbol).orElseThrow(() -> new IllegalArgumentException("no symbol " + symbol));
    }
}
