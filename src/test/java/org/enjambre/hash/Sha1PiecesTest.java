package org.enjambre.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import org.enjambre.testutil.Interop;
import org.enjambre.testutil.SystemProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Sha1PiecesTest {
    @TempDir
    Path dir;

    /** The native engine: the build machine has a C compiler (.ci/run installs gcc) and, here, SHA-NI. */
    private static Sha1Pieces nativeEngine() {
        String why = Sha1Pieces.unavailableReason();
        if (why != null && why.contains("lacks the SHA extensions")) {
            org.junit.jupiter.api.Assumptions.abort("skipped: " + why);
        }
        Interop.require(why == null, "the native SHA-1 did not load: " + why);
        Sha1Pieces engine = Sha1Pieces.create();
        assertThat(engine.batched()).isTrue();
        assertThat(engine.engine()).isEqualTo("native");
        return engine;
    }

    /** Each piece's digest by the JDK's MessageDigest, end to end. */
    private static byte[] expected(byte[] data, int from, int length, int pieceLength) throws Exception {
        int count = Math.ceilDiv(length, pieceLength);
        byte[] out = new byte[count * 20];
        for (int i = 0; i < count; i++) {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            int start = from + i * pieceLength;
            md.update(data, start, Math.min(pieceLength, from + length - start));
            System.arraycopy(md.digest(), 0, out, i * 20, 20);
        }
        return out;
    }

    @Test
    void nativeDigestsMatchTheJdksForEveryPieceLengthAndRemainder() throws Exception {
        Sha1Pieces engine = nativeEngine();
        Random random = new Random(11);
        // Around the 64-byte block and the 56-byte padding edge, four-lane groups with one to three
        // pieces left over, and a short last piece.
        int[] pieceLengths = {1, 3, 55, 56, 63, 64, 65, 119, 128, 1000, 16 * 1024};
        for (int pieceLength : pieceLengths) {
            for (int pieces = 1; pieces <= 9; pieces++) {
                for (int shortBy : new int[] {0, 1, pieceLength / 2}) {
                    int length = pieces * pieceLength - Math.min(shortBy, pieceLength - 1);
                    byte[] data = new byte[length + 7];
                    random.nextBytes(data);
                    ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data).position(7);
                    byte[] out = new byte[pieces * 20 + 3];
                    engine.digest(direct, pieceLength, out, 3);
                    assertThat(Arrays.copyOfRange(out, 3, out.length))
                            .as("%d bytes in pieces of %d", length, pieceLength)
                            .isEqualTo(expected(data, 7, length, pieceLength));
                    assertThat(direct.position()).isEqualTo(direct.limit());
                }
            }
        }
    }

    @Test
    void heapAndDirectBuffersGiveTheSameDigestsAndOneLargeRunMatchesTheJdk() throws Exception {
        Sha1Pieces engine = nativeEngine();
        byte[] data = new byte[(4 << 20) + 12_345];
        new Random(5).nextBytes(data);
        int pieceLength = 256 * 1024;
        byte[] fromHeap = new byte[17 * 20];
        byte[] fromDirect = new byte[17 * 20];
        engine.digest(ByteBuffer.wrap(data), pieceLength, fromHeap, 0);
        engine.digest(ByteBuffer.allocateDirect(data.length).put(data).flip(), pieceLength, fromDirect, 0);
        assertThat(fromHeap).isEqualTo(fromDirect).isEqualTo(expected(data, 0, data.length, pieceLength));
    }

    @Test
    void everyEngineAgreesOnTheSamePieces() throws Exception {
        byte[] data = new byte[100_000];
        new Random(3).nextBytes(data);
        byte[] want = expected(data, 0, data.length, 16_384);
        for (String choice : new String[] {"jdk", "libcrypto", "auto"}) {
            Sha1Pieces engine = SystemProperties.with("enjambre.sha1", choice, Sha1Pieces::create);
            byte[] out = new byte[want.length];
            engine.digest(ByteBuffer.wrap(data), 16_384, out, 0);
            assertThat(out).as(choice + " (" + engine.engine() + ")").isEqualTo(want);
            if (!choice.equals("auto")) {
                assertThat(engine.batched()).as("%s leaves the native engine out", choice).isFalse();
                assertThat(engine.engine()).isEqualTo(choice);
            }
        }
    }

    @Test
    void noBytesAreNoPiecesAndABadPieceLengthOrAShortOutputIsRefused() {
        Sha1Pieces engine = Sha1Pieces.create();
        byte[] out = new byte[20];
        engine.digest(ByteBuffer.allocate(0), 64, out, 0);
        assertThat(out).containsOnly(0);
        assertThatThrownBy(() -> engine.digest(ByteBuffer.allocate(10), 0, out, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> engine.digest(ByteBuffer.allocate(65), 64, out, 0)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void aMissingOrForeignLibraryIsAReasonNotAnError() throws Exception {
        assertThat(Sha1Pieces.load(dir.resolve("absent.so"))).asString().contains("is not there");
        // A real library without our functions: the JDK's own zip library.
        Path foreign = Path.of(System.getProperty("java.home"), "lib", "libzip.so");
        if (java.nio.file.Files.isRegularFile(foreign)) {
            assertThat(Sha1Pieces.load(foreign)).asString().contains("no symbol enjambre_sha1_supported");
        }
        assertThat(Sha1Pieces.load(null)).asString().startsWith("not built for");
    }

    @Test
    void theLibraryIsLookedForBesideTheClassesOrTheJar() {
        Path path = Sha1Pieces.libraryPath();
        if (Sha1Pieces.platform() == null) {
            assertThat(path).isNull();
            return;
        }
        // Tests run from target/classes: the build put the library in target/native/linux-x86_64.
        assertThat(path).isNotNull();
        assertThat(path.getFileName()).hasToString(Sha1Pieces.LIBRARY_FILE);
        assertThat(path.getParent().getParent().getFileName()).hasToString("native");
    }
}
