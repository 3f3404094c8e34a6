package org.enjambre.hash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Sha1Test {
    private static byte[] jdkDigest(byte[] data, int offset, int length) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-1");
        md.update(data, offset, length);
        return md.digest();
    }

    /** Both engines, so every check below runs on each (libcrypto is on this project's CI machines). */
    private static List<Sha1> engines() {
        LibcryptoSha1 native1 = LibcryptoSha1.create().orElseThrow(() ->
                new AssertionError("libcrypto must load on the build machine: " + LibcryptoSha1.unavailableReason()));
        return List.of(Sha1.jdk(), native1);
    }

    @Test
    void everyEngineAgreesWithTheJdkDigestOnRandomSplits() throws Exception {
        Random random = new Random(42);
        // Sizes around SHA-1's 64-byte block, a 16 KiB block, and more than one critical call.
        int[] sizes = {0, 1, 55, 56, 63, 64, 65, 16 * 1024, 1_000_003, LibcryptoSha1.MAX_CRITICAL_BYTES * 2 + 17};
        for (Sha1 sha1 : engines()) {
            for (int size : sizes) {
                byte[] data = new byte[size + 10];
                random.nextBytes(data);
                int split = size == 0 ? 0 : random.nextInt(size);
                sha1.update(data, 5, split);
                sha1.update(data, 5 + split, size - split);
                assertArrayEquals(jdkDigest(data, 5, size), sha1.digest(), sha1.engine() + " on " + size + " bytes");
            }
        }
    }

    @Test
    void directHeapAndReadOnlyBuffersHashTheirRemainingBytesAndAreConsumed() throws Exception {
        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        byte[] expected = jdkDigest(data, 1000, 200_000);
        for (Sha1 sha1 : engines()) {
            ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data).position(1000).limit(201_000);
            ByteBuffer heap = ByteBuffer.wrap(data).position(1000).limit(201_000);
            ByteBuffer readOnly = ByteBuffer.wrap(data).asReadOnlyBuffer().position(1000).limit(201_000);
            for (ByteBuffer buffer : List.of(direct, heap, readOnly)) {
                sha1.update(buffer);
                assertEquals(201_000, buffer.position(), sha1.engine() + " leaves the buffer consumed");
                assertArrayEquals(expected, sha1.digest(), sha1.engine() + " on " + buffer);
            }
        }
    }

    @Test
    void digestWritesInPlaceAndStartsOver() throws Exception {
        byte[] abc = {'a', 'b', 'c'};
        for (Sha1 sha1 : engines()) {
            byte[] out = new byte[45];
            sha1.update(abc, 0, 3);
            sha1.digest(out, 20);
            byte[] placed = java.util.Arrays.copyOfRange(out, 20, 40);
            assertArrayEquals(jdkDigest(abc, 0, 3), placed, sha1.engine());
            assertArrayEquals(jdkDigest(new byte[0], 0, 0), sha1.digest(), sha1.engine() + " starts over after a digest");
            assertThrows(IndexOutOfBoundsException.class, () -> sha1.digest(out, 30), sha1.engine() + " refuses a digest past the end");
            sha1.digest();
            assertThrows(IndexOutOfBoundsException.class, () -> sha1.update(abc, 2, 5), sha1.engine() + " refuses bytes past the end");
        }
    }

    @Test
    void aMissingLibraryIsReportedNotThrownAndTheJdkEngineServes() {
        Object result = LibcryptoSha1.load(List.of("libenjambre-no-such-crypto.so"));
        String reason = assertInstanceOf(String.class, result);
        assertTrue(reason.contains("libenjambre-no-such-crypto.so"), reason);
        LibcryptoSha1.Library library = assertInstanceOf(LibcryptoSha1.Library.class, LibcryptoSha1.load(LibcryptoSha1.LIBRARY_NAMES));
        assertInstanceOf(LibcryptoSha1.Functions.class, LibcryptoSha1.linkStreaming(library));
    }

    @Test
    void digestOfAWholeBufferAgreesWithTheJdkAndForgetsEarlierUpdates() throws Exception {
        Random random = new Random(11);
        // Direct buffers: one one-shot call at any size; heap ones copied out up to MAX_CRITICAL_BYTES, streamed beyond.
        int[] sizes = {0, 3, 64, 16 * 1024, LibcryptoSha1.MAX_CRITICAL_BYTES, LibcryptoSha1.MAX_CRITICAL_BYTES + 1, 3_000_001};
        for (Sha1 sha1 : engines()) {
            for (int size : sizes) {
                byte[] data = new byte[size + 8];
                random.nextBytes(data);
                byte[] expected = jdkDigest(data, 4, size);
                ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data).position(4).limit(4 + size);
                ByteBuffer heap = ByteBuffer.wrap(data).position(4).limit(4 + size);
                for (ByteBuffer buffer : List.of(direct, heap)) {
                    sha1.update(new byte[] {1, 2, 3}, 0, 3); // forgotten: digestOf hashes the buffer alone
                    byte[] out = new byte[30];
                    sha1.digestOf(buffer, out, 7);
                    assertArrayEquals(expected, java.util.Arrays.copyOfRange(out, 7, 27), sha1.engine() + " on " + size + " bytes of " + buffer);
                    assertEquals(4 + size, buffer.position(), sha1.engine() + " leaves the buffer consumed");
                    assertArrayEquals(jdkDigest(new byte[0], 0, 0), sha1.digest(), sha1.engine() + " starts over after digestOf");
                }
            }
            assertThrows(IndexOutOfBoundsException.class, () -> sha1.digestOf(ByteBuffer.allocate(1), new byte[25], 6),
                    sha1.engine() + " refuses a digest past the end");
        }
    }

    @Test
    void thePropertyPicksTheEngineAndAutoPrefersLibcrypto() {
        String before = System.getProperty("enjambre.sha1");
        try {
            System.setProperty("enjambre.sha1", "jdk");
            assertEquals("jdk", Sha1.create().engine());
            System.setProperty("enjambre.sha1", "libcrypto");
            assertEquals("libcrypto", Sha1.create().engine());
            System.clearProperty("enjambre.sha1");
            assertEquals("libcrypto", Sha1.create().engine());
            assertTrue(Sha1.libcryptoAvailable());
        } finally {
            if (before == null) {
                System.clearProperty("enjambre.sha1");
            } else {
                System.setProperty("enjambre.sha1", before);
            }
        }
    }
}
