package org.enjambre.hash;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Reference;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * The SHA-1 of each piece of a run of pieces, in one call: what {@code create} needs, all of a
 * torrent's pieces end to end.
 *
 * <p>With this project's native library ({@code src/main/c/sha1_pieces.c}, built next to the jar
 * when a C compiler was there) and a CPU with the x86 SHA extensions, four pieces are hashed at
 * once, interleaved: 2.2 times the speed of OpenSSL's SHA-1 per core on this project's EPYC, since a
 * single SHA-1 message leaves the SHA unit waiting on its own previous round (bench/RESULTS.md,
 * "create: four pieces at a time"). Otherwise the pieces go one by one through {@link Sha1#create()}
 * (libcrypto or the JDK). The library is linked with {@link Downcalls#FOUR_LONGS}, the shape
 * libcrypto's {@code SHA1} is linked with, so the JVM spins no second stub for it.
 *
 * <p>The system property {@code enjambre.sha1}: {@code native} requires the library (an error
 * otherwise), {@code jdk} or {@code libcrypto} leave it out, anything else uses it when it loads.
 * One instance belongs to one thread at a time.
 */
public final class Sha1Pieces {
    /** The library's file name, in {@code native/<platform>/} beside the jar (or the classes folder). */
    static final String LIBRARY_FILE = "libenjambre-sha1.so";
    /** The system property naming the folder that holds {@link #LIBRARY_FILE} instead. */
    static final String DIRECTORY_PROPERTY = "enjambre.native.dir";
    /** Pieces hashed side by side by the native library. */
    public static final int LANES = 4;

    /** SHA-1 of 64 zero bytes: checked on four such pieces at load (the four-lane path) ... */
    private static final String ZEROS_64 = "c8d7d0ef0eedfa82d2ea1aa592845b9a6d4b02b7";
    /** ... and SHA-1("abc"), FIPS 180-2 A.1, on a three-byte piece (the one-message path with its padding). */
    private static final String ABC = "a9993e364706816aba3e25717850c26c9cd0d89d";

    private record Library(MethodHandle pieces) {
    }

    private static final class Loaded {
        static final Object LIBRARY_OR_REASON = load(libraryPath());
    }

    /** The native function, or null for one piece at a time through {@link #fallback}. */
    private final MethodHandle pieces;
    private final Sha1 fallback;
    /** Native memory the pieces are copied into when they come in a heap buffer; grown as needed. */
    private MemorySegment scratch;
    /** Where the native function writes the digests; grown as needed. */
    private MemorySegment digests;

    private Sha1Pieces(MethodHandle pieces, Sha1 fallback) {
        this.pieces = pieces;
        this.fallback = fallback;
    }

    /** The native four-lane engine when it loads and is not ruled out by {@code enjambre.sha1}, else one piece at a time. */
    public static Sha1Pieces create() {
        return sideBySide() ? new Sha1Pieces(((Library) Loaded.LIBRARY_OR_REASON).pieces(), null) : new Sha1Pieces(null, Sha1.create());
    }

    /**
     * Whether {@link #create()} gives the native engine, which hashes {@link #LANES} pieces side by
     * side: it loaded, and {@code enjambre.sha1} does not rule it out.
     */
    public static boolean sideBySide() {
        String choice = System.getProperty("enjambre.sha1", "auto");
        boolean loaded = Loaded.LIBRARY_OR_REASON instanceof Library;
        if (choice.equals("native") && !loaded) {
            throw new IllegalStateException("enjambre.sha1=native but the native SHA-1 did not load: " + Loaded.LIBRARY_OR_REASON);
        }
        return loaded && !choice.equals("jdk") && !choice.equals("libcrypto");
    }

    /** Why the native library is not used, or null when it loaded. */
    public static String unavailableReason() {
        return Loaded.LIBRARY_OR_REASON instanceof String reason ? reason : null;
    }

    /** Whether pieces are hashed {@link #LANES} at a time (give it that many at once, or more). */
    public boolean batched() {
        return pieces != null;
    }

    /** {@code native}, or the engine of {@link Sha1#create()} that hashes one piece at a time. */
    public String engine() {
        return pieces != null ? "native" : fallback.engine();
    }

    /**
     * Writes the SHA-1 of each piece of {@code bytes} (position to limit, cut every
     * {@code pieceLength} bytes, the last piece shorter if need be) into {@code out} from
     * {@code offset}, 20 bytes a piece, and moves the buffer's position to its limit. Empty
     * {@code bytes} is no pieces.
     */
    public void digest(ByteBuffer bytes, int pieceLength, byte[] out, int offset) {
        if (pieceLength <= 0) {
            throw new IllegalArgumentException("piece length " + pieceLength);
        }
        int length = bytes.remaining();
        int count = Math.ceilDiv(length, pieceLength);
        Objects.checkFromIndexSize(offset, count * Sha1.DIGEST_LENGTH, out.length);
        if (count == 0) {
            return;
        }
        if (pieces == null) {
            for (int i = 0; i < count; i++) {
                int n = Math.min(pieceLength, bytes.remaining());
                ByteBuffer piece = bytes.slice(bytes.position(), n);
                fallback.digestOf(piece, out, offset + i * Sha1.DIGEST_LENGTH);
                bytes.position(bytes.position() + n);
            }
            return;
        }
        MemorySegment data;
        if (bytes.isDirect()) {
            data = MemorySegment.ofBuffer(bytes);
        } else {
            if (scratch == null || scratch.byteSize() < length) {
                scratch = Arena.ofAuto().allocate(length, 64);
            }
            MemorySegment.copy(MemorySegment.ofBuffer(bytes), 0, scratch, 0, length);
            data = scratch;
        }
        long digestBytes = (long) count * Sha1.DIGEST_LENGTH;
        if (digests == null || digests.byteSize() < digestBytes) {
            digests = Arena.ofAuto().allocate(digestBytes);
        }
        long hashed;
        try {
            hashed = call(pieces, data.address(), length, pieceLength, digests.address());
        } finally {
            // The call saw raw addresses: the memory behind them must outlive it.
            Reference.reachabilityFence(data);
            Reference.reachabilityFence(bytes);
            Reference.reachabilityFence(digests);
        }
        if (hashed != count) {
            throw new IllegalStateException("native SHA-1 hashed " + hashed + " pieces of " + count);
        }
        MemorySegment.copy(digests, ValueLayout.JAVA_BYTE, 0, out, offset, (int) digestBytes);
        bytes.position(bytes.limit());
    }

    private static long call(MethodHandle function, long a, long b, long c, long d) {
        try {
            return (long) function.invokeExact(a, b, c, d);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("native SHA-1 failed", e);
        }
    }

    /**
     * Where the library is looked for: {@code enjambre.native.dir} if set, else
     * {@code native/<platform>/} in the folder that holds the jar (or {@code classes/}), where
     * {@code src/main/c/build.sh} puts it. Null on a platform it is not built for.
     */
    static Path libraryPath() {
        String platform = platform();
        if (platform == null) {
            return null;
        }
        String configured = System.getProperty(DIRECTORY_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).resolve(LIBRARY_FILE);
        }
        try {
            var source = Sha1Pieces.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return null;
            }
            Path parent = Path.of(source.getLocation().toURI()).getParent();
            return parent == null ? null : parent.resolve("native").resolve(platform).resolve(LIBRARY_FILE);
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /** The platform folder's name, or null where the library is not built (x86-64 Linux only: it uses SHA-NI). */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        return os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64")) ? "linux-x86_64" : null;
    }

    /**
     * Loads the library at {@code path}, asks it whether this CPU has what it needs, and checks it on
     * known digests. Returns the {@link Library}, or a String saying why not (never throws).
     */
    static Object load(Path path) {
        if (path == null) {
            return "not built for " + System.getProperty("os.name") + "/" + System.getProperty("os.arch");
        }
        if (!Files.isRegularFile(path)) {
            return path + " is not there (no C compiler when the jar was built?)";
        }
        try {
            SymbolLookup lookup = SymbolLookup.libraryLookup(path, Arena.global());
            Linker linker = Linker.nativeLinker();
            MethodHandle supported = linker.downcallHandle(find(lookup, "enjambre_sha1_supported"), Downcalls.FOUR_LONGS);
            if (call(supported, 0, 0, 0, 0) != 1) {
                return "this CPU lacks the SHA extensions or SSE4.1";
            }
            MethodHandle pieces = linker.downcallHandle(find(lookup, "enjambre_sha1_pieces"), Downcalls.FOUR_LONGS);
            Sha1Pieces check = new Sha1Pieces(pieces, null);
            byte[] out = new byte[LANES * Sha1.DIGEST_LENGTH];
            check.digest(ByteBuffer.allocateDirect(LANES * 64), 64, out, 0);
            HexFormat hex = HexFormat.of();
            for (int i = 0; i < LANES; i++) {
                String got = hex.formatHex(out, i * Sha1.DIGEST_LENGTH, (i + 1) * Sha1.DIGEST_LENGTH);
                if (!got.equals(ZEROS_64)) {
                    return path + ": SHA-1 of 64 zero bytes came out as " + got + " in lane " + i;
                }
            }
            check.digest(ByteBuffer.wrap(new byte[] {'a', 'b', 'c'}), 64, out, 0);
            String abc = hex.formatHex(out, 0, Sha1.DIGEST_LENGTH);
            return abc.equals(ABC) ? new Library(pieces) : path + ": SHA-1(\"abc\") came out as " + abc;
        } catch (Throwable e) { // IllegalArgumentException (cannot load), IllegalCallerException (native access denied), ...
            return path + ": " + e;
        }
    }

    private static MemorySegment find(SymbolLookup library, String symbol) {
        return library.find(symbol).orElseThrow(() -> new IllegalArgumentException("no symbol " + symbol));
    }
}
