package org.enjambre.hash;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
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
 */
final class LibcryptoSha1 implements Sha1 {
    /** Library names tried in turn: OpenSSL 3, the development link, OpenSSL 1.1 (all export SHA1_*). */
    static final List<String> LIBRARY_NAMES = List.of("libcrypto.so.3", "libcrypto.so", "libcrypto.so.1.1", "libcrypto.dylib");
    /** Most bytes hashed in one critical call (~0.5 ms of SHA-1): bounds how long a GC may wait. */
    static final int MAX_CRITICAL_BYTES = 1024 * 1024;
    /** {@code sizeof(SHA_CTX)} is 96 on every 64-bit platform; rounded up for safety. */
    private static final long CONTEXT_BYTES = 128;

    /** The three functions, or why they are not there. */
    record Functions(MethodHandle init, MethodHandle update, MethodHandle fin) {
    }

    private static final class Loaded {
        static final Object FUNCTIONS_OR_REASON = load(LIBRARY_NAMES);
    }

    private final Functions functions;
    private final MemorySegment context;

    private LibcryptoSha1(Functions functions) {
        this.functions = functions;
        // Freed with this object: a SHA-1 held in a ThreadLocal needs no explicit close.
        this.context = Arena.ofAuto().allocate(CONTEXT_BYTES, 16);
        reset();
    }

    /** A libcrypto SHA-1, or empty when libcrypto is not usable in this process. */
    static Optional<LibcryptoSha1> create() {
        return Loaded.FUNCTIONS_OR_REASON instanceof Functions f ? Optional.of(new LibcryptoSha1(f)) : Optional.empty();
    }

    /** Why libcrypto is not used, or null when it is. */
    static String unavailableReason() {
        return Loaded.FUNCTIONS_OR_REASON instanceof String reason ? reason : null;
    }

    /**
     * Looks the functions up in the first of {@code libraryNames} that loads and checks them on a
     * known vector. Returns the {@link Functions}, or a String saying why not (never throws: a
     * missing library, a denied native access or a wrong answer all mean "use the JDK's").
     */
    static Object load(List<String> libraryNames) {
        StringBuilder why = new StringBuilder();
        for (String name : libraryNames) {
            try {
                // Arena.global(): the library stays loaded for the life of the process.
                SymbolLookup library = SymbolLookup.libraryLookup(name, Arena.global());
                Linker linker = Linker.nativeLinker();
                Linker.Option critical = Linker.Option.critical(true);
                MethodHandle init = linker.downcallHandle(find(library, "SHA1_Init"),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS), critical);
                MethodHandle update = linker.downcallHandle(find(library, "SHA1_Update"),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                        critical);
                MethodHandle fin = linker.downcallHandle(find(library, "SHA1_Final"),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS), critical);
                Functions functions = new Functions(init, update, fin);
                LibcryptoSha1 probe = new LibcryptoSha1(functions);
                byte[] abc = {'a', 'b', 'c'};
                probe.update(abc, 0, abc.length);
                String got = HexFormat.of().formatHex(probe.digest());
                if (!got.equals("a9993e364706816aba3e25717850c26c9cd0d89d")) { // FIPS 180-2, appendix A.1
                    why.append(name).append(": SHA-1(\"abc\") came out as ").append(got).append("; ");
                    continue;
                }
                return functions;
            } catch (Throwable e) { // IllegalArgumentException (no such library), IllegalCallerException (native access denied), ...
                why.append(name).append(": ").append(e).append("; ");
            }
        }
        return why.isEmpty() ? "no library names given" : why.substring(0, why.length() - 2);
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
        long size = bytes.byteSize();
        for (long done = 0; done < size; ) {
            long n = Math.min(MAX_CRITICAL_BYTES, size - done);
            check("SHA1_Update", call(functions.update(), bytes.asSlice(done, n), n));
            done += n;
        }
    }

    private int call(MethodHandle update, MemorySegment data, long length) {
        try {
            return (int) update.invokeExact(context, data, length);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("libcrypto SHA1_Update failed", e);
        }
    }

    @Override
    public void digest(byte[] out, int offset) {
        Objects.checkFromIndexSize(offset, DIGEST_LENGTH, out.length);
        try {
            check("SHA1_Final", (int) functions.fin().invokeExact(MemorySegment.ofArray(out).asSlice(offset, DIGEST_LENGTH), context));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("libcrypto SHA1_Final failed", e);
        }
        reset();
    }

    @Override
    public void reset() {
        try {
            check("SHA1_Init", (int) functions.init().invokeExact(context));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("libcrypto SHA1_Init failed", e);
        }
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
