package org.enjambre.hash;

import java.nio.ByteBuffer;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/** The JDK's SHA-1: an intrinsic once C2 has compiled it, slow until then. */
final class JdkSha1 implements Sha1 {
    private final MessageDigest digest;

    JdkSha1() {
        try {
            digest = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by every Java platform", e);
        }
    }

    @Override
    public void update(byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        digest.update(bytes, offset, length);
    }

    @Override
    public void update(ByteBuffer bytes) {
        digest.update(bytes);
    }

    @Override
    public void digest(byte[] out, int offset) {
        Objects.checkFromIndexSize(offset, DIGEST_LENGTH, out.length); // the same exception as libcrypto's engine
        try {
            digest.digest(out, offset, DIGEST_LENGTH);
        } catch (DigestException e) {
            throw new IllegalArgumentException("no room for a digest at " + offset + " in " + out.length + " bytes", e);
        }
    }

    @Override
    public void reset() {
        digest.reset();
    }

    @Override
    public String engine() {
        return "jdk";
    }
}
