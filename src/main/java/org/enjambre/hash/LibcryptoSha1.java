package org.enjambre.hash;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * OpenSSL's SHA-1 ({@code SHA1_Init}, {@code SHA1_Update}, {@code SHA1_Final} of libcrypto) through
 * the FFM API. Why: it runs at full speed from the first byte (the JDK's intrinsic waits for C2, and
 * a one-shot {@code create} spends a good part of its life before that), and it hashes a direct
 * buffer where it lies, so a file read into one is never copied. On this project's 2-core EPYC
 * (SHA-NI) both engines hash ~1.9 GB/s once warm: bench/RESULTS.md has the figures.
 *
 * <p>The calls are "critical" (no thread-state change, heap arrays passed in place), so updates are
 * cut into {@link #MAX_CRITICAL_BYTES} pieces: a critical call holds off the garbage collector.
 * The library is looked up once per process; when it is missing, or does not hash a known vector
 * right, {@link #create()} is empty and {@link Sha1#create()} takes the JDK's engine.
 *
 * <p>Linking a downcall spins classes at run time that no AOT cache holds, ~0.05 s of CPU for a
 * {@code create} that lasts 0.5 s: so only the one-shot {@code SHA1} (a whole piece in one call,
 * all that {@code create} needs for pieces up to {@link #MAX_CRITICAL_BYTES}) is linked when the
 * library loads, and {@code SHA1_Init/Update/Final} the first time something streams.
 */
final class LibcryptoSha1 implements Sha1 {
    /** Library names tried in turn: OpenSSL 3, the development link, OpenSSL 1.1 (all export SHA1_*). */
    static final List<String> LIBRARY_NAMES = List.of("libcrypto.so.3", "libcrypto.so", "libcrypto.so.1.1", "libcrypto.dylib");
    /** Most bytes hashed in one critical call (~0.5 ms of SHA-1): bounds how long a GC may wait. */
    static final int MAX_CRITICAL_BYTES = 1024 * 1024;
    /** {@code sizeof(SHA_CTX)} is 96 on every 64-bit platform; rounded up for safety. */
    private static final long CONTEXT_BYTES = 128;

    /** SHA-1("abc"), FIPS 180-2 appendix A.1: every linked function is checked on it before use. */
    private static final String ABC_DIGEST = "a9993e364706816aba3e25717850c26c9cd0d89d";

    /**
     * The library and its one-shot {@code SHA1(data, length, out)}, linked and checked: linked as
     * {@link Downcalls#FOUR_LONGS} (addresses in longs, not critical).
     */
    record Library(String name, SymbolLookup lookup, MethodHandle oneShot) {
    }

    /** The streaming functions, or why they are not there. */
    record Functions(MethodHandle init, MethodHandle update, MethodHandle fin) {
    }

    private static final class Loaded {
        static final Object LIBRARY_OR_REASON = load(LIBRARY_NAMES);
    }

    /** Linked on first use: a {@code create} of pieces up to {@link #MAX_CRITICAL_BYTES} never needs them. */
    private static final class Streaming {
        static final Object FUNCTIONS_OR_REASON = Loaded.LIBRARY_OR_REASON instanceof Library library
                ? linkStreaming(library) : Loaded.LIBRARY_OR_REASON;
    }

    private final Library library;
    /** Where the one-shot SHA1 writes its digest (native: the call is not critical); freed with this object. */
    private MemorySegment digestBuffer;
    /** The SHA_CTX, allocated with the first streamed bytes; freed with this object (no explicit close). */
    private MemorySegment context;
    /** Bytes were added by {@link #update} since the last digest (the context holds them). */
    private boolean streaming;

    private LibcryptoSha1(Library library) {
        this.library = library;
    }

    /** A libcrypto SHA-1, or empty when libcrypto is not usable in this process. */
    static Optional<LibcryptoSha1> create() {
        return Loaded.LIBRARY_OR_REASON instanceof Library l ? Optional.of(new LibcryptoSha1(l)) : Optional.empty();
    }

    /** Why libcrypto is not used, or null when it is. */
    static String unavailableReason() {
        return Loaded.LIBRARY_OR_REASON instanceof String reason ? reason : null;
    }

    /**
     * Looks up the first of {@code libraryNames} that loads and whose one-shot {@code SHA1} hashes a
     * known vector right. Returns the {@link Library}, or a String saying why not (never throws: a
     * missing library, a denied native access or a wrong answer all mean "use the JDK's").
     */
    static Object load(List<String> libraryNames) {
        StringBuilder why = new StringBuilder();
        for (String name : libraryNames) {
            try {
                // Arena.global(): the library stays loaded for the life of the process.
                SymbolLookup lookup = SymbolLookup.libraryLookup(name, Arena.global());
                MethodHandle oneShot = Linker.nativeLinker().downcallHandle(find(lookup, "SHA1"), Downcalls.FOUR_LONGS);
                Library library = new Library(name, lookup, oneShot);
                byte[] out = new byte[DIGEST_LENGTH];
                new LibcryptoSha1(library).digestOf(ByteBuffer.wrap(new byte[] {'a', 'b', 'c'}), out, 0);
                String got = HexFormat.of().formatHex(out);
                if (!got.equals(ABC_DIGEST)) {
                    why.append(name).append(": SHA1(\"abc\") came out as ").append(got).append("; ");
                    continue;
                }
                return library;
            } catch (Throwable e) { // IllegalArgumentException (no such library), IllegalCallerException (native access denied), ...
                why.append(name).append(": ").append(e).append("; ");
            }
        }
        return why.isEmpty() ? "no library names given" : why.substring(0, why.length() - 2);
    }

    /** Links SHA1_Init/Update/Final of a loaded library and checks them; the {@link Functions} or why not. */
    static Object linkStreaming(Library library) {
        try {
            Linker linker = Linker.nativeLinker();
            Linker.Option critical = Linker.Option.critical(true);
            MethodHandle init = linker.downcallHandle(find(library.lookup(), "SHA1_Init"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS), critical);
            MethodHandle update = linker.downcallHandle(find(library.lookup(), "SHA1_Update"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                    critical);
            MethodHandle fin = linker.downcallHandle(find(library.lookup(), "SHA1_Final"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS), critical);
            Functions functions = new Functions(init, update, fin);
            MemorySegment context = Arena.ofAuto().allocate(CONTEXT_BYTES, 16);
            byte[] abc = {'a', 'b', 'c'};
            byte[] out = new byte[DIGEST_LENGTH];
            check("SHA1_Init", (int) init.invokeExact(context));
            check("SHA1_Update", (int) update.invokeExact(context, MemorySegment.ofArray(abc), (long) abc.length));
            check("SHA1_Final", (int) fin.invokeExact(MemorySegment.ofArray(out), context));
            String got = HexFormat.of().formatHex(out);
            return got.equals(ABC_DIGEST) ? functions
                    : library.name() + ": SHA1_Update(\"abc\") came out as " + got;
        } catch (Throwable e) {
            return library.name() + ": " + e;
        }
    }

    /** The streaming functions; they load with the library, so failing here is a broken libcrypto. */
    private static Functions streamingFunctions() {
        if (Streaming.FUNCTIONS_OR_REASON instanceof Functions f) {
            return f;
        }
        throw new IllegalStateException("libcrypto's SHA1_Init/Update/Final cannot be used: " + Streaming.FUNCTIONS_OR_REASON);
    }

    private static MemorySegment find(SymbolLookup library, String symbol) {
        return library.find(symbol).orElseThrow(() -> new IllegalArgumentException("no symbol " + symbol));
    }

    @Override
    public void update(byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        hash(MemorySegment.ofArray(bytes).asSlice(offset, length));
    }

    @Override
    public void update(ByteBuffer bytes) {
        // ofBuffer: the bytes from position to limit, in place (direct or heap, read-only or not).
        hash(MemorySegment.ofBuffer(bytes));
        bytes.position(bytes.limit());
    }

    private void hash(MemorySegment bytes) {
        Functions functions = startStreaming();
        long size = bytes.byteSize();
        for (long done = 0; done < size; ) {
            long n = Math.min(MAX_CRITICAL_BYTES, size - done);
            try {
                check("SHA1_Update", (int) functions.update().invokeExact(context, bytes.asSlice(done, n), n));
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException("libcrypto SHA1_Update failed", e);
            }
            done += n;
        }
    }

    /** The streaming functions, with the context initialised for a new message if none is running. */
    private Functions startStreaming() {
        Functions functions = streamingFunctions();
        if (!streaming) {
            if (context == null) {
                context = Arena.ofAuto().allocate(CONTEXT_BYTES, 16);
            }
            try {
                check("SHA1_Init", (int) functions.init().invokeExact(context));
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException("libcrypto SHA1_Init failed", e);
            }
            streaming = true;
        }
        return functions;
    }

    @Override
    public void digest(byte[] out, int offset) {
        Objects.checkFromIndexSize(offset, DIGEST_LENGTH, out.length);
        if (!streaming) { // nothing added: the digest of no bytes, without linking the streaming functions
            digestOf(ByteBuffer.allocate(0), out, offset);
            return;
        }
        try {
            check("SHA1_Final", (int) streamingFunctions().fin().invokeExact(MemorySegment.ofArray(out).asSlice(offset, DIGEST_LENGTH), context));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("libcrypto SHA1_Final failed", e);
        }
        streaming = false;
    }

    /**
     * One downcall to the one-shot {@code SHA1}: a direct buffer where it lies, a heap buffer of up
     * to {@link #MAX_CRITICAL_BYTES} copied to native memory first; a larger heap buffer streams
     * through {@code SHA1_Update}.
     */
    @Override
    public void digestOf(ByteBuffer bytes, byte[] out, int offset) {
        Objects.checkFromIndexSize(offset, DIGEST_LENGTH, out.length);
        reset();
        if (bytes.isDirect()) {
            oneShot(MemorySegment.ofBuffer(bytes), out, offset);
        } else if (bytes.remaining() <= MAX_CRITICAL_BYTES) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment copy = arena.allocate(Math.max(1, bytes.remaining()));
                MemorySegment.copy(MemorySegment.ofBuffer(bytes), 0, copy, 0, bytes.remaining());
                oneShot(copy.asSlice(0, bytes.remaining()), out, offset);
            }
        } else {
            update(bytes);
            digest(out, offset);
            return;
        }
        bytes.position(bytes.limit());
    }

    /** SHA1(data, size, digest) into this engine's native digest buffer, then into {@code out}. */
    private void oneShot(MemorySegment data, byte[] out, int offset) {
        if (digestBuffer == null) {
            digestBuffer = Arena.ofAuto().allocate(DIGEST_LENGTH);
        }
        long result;
        try {
            result = (long) library.oneShot().invokeExact(data.address(), data.byteSize(), digestBuffer.address(), 0L);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("libcrypto SHA1 failed", e);
        } finally {
            // The call saw raw addresses: the memory behind them must outlive it.
            Reference.reachabilityFence(data);
            Reference.reachabilityFence(digestBuffer);
        }
        if (result == 0) { // SHA1 returns its out pointer, or NULL on failure
            throw new IllegalStateException("libcrypto SHA1 failed (returned NULL)");
        }
        MemorySegment.copy(digestBuffer, ValueLayout.JAVA_BYTE, 0, out, offset, DIGEST_LENGTH);
    }

    @Override
    public void reset() {
        streaming = false; // the next update starts with SHA1_Init
    }

    private static void check(String function, int result) {
        if (result != 1) { // OpenSSL's SHA1_* return 1 on success
            throw new IllegalStateException("libcrypto " + function + " returned " + result);
        }
    }

    @Override
    public String engine() {
        return "libcrypto";
    }
}
