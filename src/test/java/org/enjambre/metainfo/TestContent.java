package org.enjambre.metainfo;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.Random;

/** Content for hashing tests and its piece digests computed the plain way, to compare with. */
final class TestContent {
    private TestContent() {
    }

    /** {@code n} bytes from a seeded generator: the same bytes on every run. */
    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** The JDK's SHA-1 of each piece of {@code content}, one after the other. */
    static byte[] jdkPieceHashes(byte[] content, int pieceLength) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int off = 0; off < content.length; off += pieceLength) {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            md.update(content, off, Math.min(pieceLength, content.length - off));
            out.write(md.digest());
        }
        return out.toByteArray();
    }
}
