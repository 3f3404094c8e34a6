package org.enjambre.hash;

import java.nio.ByteBuffer;

/**
 * A running SHA-1: feed it bytes, take the 20-byte digest, and it is ready for the next piece.
 * One instance belongs to one thread at a time.
 *
 * <p>{@link #create()} gives the fastest engine this process can use: OpenSSL's libcrypto when
 * it loads (no JIT warm-up, and it hashes a direct buffer where it lies), else the JDK's. The
 * system property {@code enjambre.sha1} ({@code jdk} or {@code libcrypto}) picks one by name.
 */
public sealed interface Sha1 permits JdkSha1, LibcryptoSha1 {
    /** Bytes in a SHA-1 digest. */
    int DIGEST_LENGTH = 20;

    /** Adds {@code length} bytes of {@code bytes} from {@code offset}. */
    void update(byte[] bytes, int offset, int length);

    /** Adds the buffer's remaining bytes and moves its position to its limit (heap or direct). */
    void update(ByteBuffer bytes);

    /** Writes the digest of everything added since the last digest into {@code out} at {@code offset}, and starts over. */
    void digest(byte[] out, int offset);

    /**
     * Writes the digest of exactly the buffer's remaining bytes (heap or direct) into {@code out} at
     * {@code offset} and moves the buffer's position to its limit; anything added by {@code update}
     * since the last digest is forgotten first. For whole pieces: libcrypto's engine hashes them in
     * one call.
     */
    default void digestOf(ByteBuffer bytes, byte[] out, int offset) {
        reset();
        update(bytes);
        digest(out, offset);
    }

    /** Forgets what was added since the last digest (after a failed read, say). */
    void reset();

    /** The digest of everything added since the last digest, and starts over. */
    default byte[] digest() {
        byte[] out = new byte[DIGEST_LENGTH];
        digest(out, 0);
        return out;
    }

    /** The engine's name for logs and benchmarks: {@code jdk} or {@code libcrypto}. */
    String engine();

    /** A SHA-1 from the fastest engine available: libcrypto when it loads, else the JDK's. */
    static Sha1 create() {
        return switch (System.getProperty("enjambre.sha1", "auto")) {
            case "jdk" -> jdk();
            case "libcrypto" -> LibcryptoSha1.create().orElseThrow(() ->
                    new IllegalStateException("enjambre.sha1=libcrypto but libcrypto did not load: " + LibcryptoSha1.unavailableReason()));
            default -> LibcryptoSha1.create().<Sha1>map(s -> s).orElseGet(Sha1::jdk);
        };
    }

    /** The JDK's SHA-1 ({@code MessageDigest}), always available. */
    static Sha1 jdk() {
        return new JdkSha1();
    }

    /** Whether libcrypto's SHA-1 loaded in this process. */
    static boolean libcryptoAvailable() {
        return LibcryptoSha1.create().isPresent();
    }
}
