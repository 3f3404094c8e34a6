package org.enjambre.metainfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.enjambre.bencode.BencodeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random damage to a real torrent must end in a clear refusal ({@link MetainfoException}, whose
 * cause, if any, is a {@link BencodeException}) or a valid torrent: never another exception.
 * Seeded, so a failure is reproducible.
 */
class MalformedInputFuzzTest {
    private static final int ROUNDS = 20_000;

    @Test
    void damagedTorrentsAreRefusedCleanlyOrParse(@TempDir Path dir) throws Exception {
        Path folder = Files.createDirectories(dir.resolve("f/sub"));
        Files.write(folder.resolve("a.bin"), new byte[40_000]);
        Files.write(folder.resolve("b.txt"), new byte[0]);
        byte[] good = TorrentBuilder.forPath(dir.resolve("f")).trackers(List.of("http://127.0.0.1:1/announce"))
                .comment("c").build().encode();
        Random random = new Random(20261124);
        int refused = 0;
        for (int round = 0; round < ROUNDS; round++) {
            byte[] bad = mutate(good, random);
            try {
                Metainfo m = Metainfo.parse(bad);
                // Whatever parses must be self-consistent.
                assertThat(m.info().pieceCount()).isEqualTo((int) ((m.info().totalLength() + m.info().pieceLength() - 1) / m.info().pieceLength()));
                Metainfo.parse(m.encode());
            } catch (MetainfoException e) {
                refused++;
                assertThat(e.getMessage()).isNotBlank();
                if (e.getCause() != null) {
                    assertThat(e.getCause()).isInstanceOf(BencodeException.class);
                }
            } catch (RuntimeException | StackOverflowError e) {
                fail("round " + round + ": " + e + " for input " + Arrays.toString(Arrays.copyOf(bad, Math.min(bad.length, 200))), e);
            }
        }
        assertThat(refused).as("most damage is refused").isGreaterThan(ROUNDS / 2);
    }

    @Test
    void damagedMagnetLinksAreRefusedCleanlyOrParse() {
        String good = "magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=a%20b&tr=http%3A%2F%2Fx%2Fa&x.pe=[::1]:80";
        String alphabet = "%&=:[]?+.0123456789abcdefxtrpe\u00f1";
        Random random = new Random(7);
        for (int round = 0; round < ROUNDS; round++) {
            StringBuilder sb = new StringBuilder(good);
            for (int i = random.nextInt(4); i >= 0; i--) {
                int at = random.nextInt(sb.length());
                switch (random.nextInt(3)) {
                    case 0 -> sb.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    case 1 -> sb.deleteCharAt(at);
                    default -> sb.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            String link = sb.toString();
            try {
                MagnetUri m = MagnetUri.parse(link);
                assertThat(MagnetUri.parse(m.toString())).isEqualTo(m);
            } catch (MetainfoException e) {
                assertThat(e.getMessage()).isNotBlank();
            } catch (RuntimeException e) {
                fail("round " + round + ": " + e + " for " + link, e);
            }
        }
    }

    private static byte[] mutate(byte[] good, Random random) {
        byte[] b = good.clone();
        switch (random.nextInt(5)) {
            case 0 -> b[random.nextInt(b.length)] = (byte) random.nextInt(256);
            case 1 -> b[random.nextInt(b.length)] = (byte) "0123456789ie:ld-".charAt(random.nextInt(16));
            case 2 -> b = Arrays.copyOf(b, random.nextInt(b.length));
            case 3 -> {
                int at = random.nextInt(b.length);
                byte[] out = new byte[b.length - 1];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + 1, out, at, b.length - at - 1);
                b = out;
            }
            default -> {
                for (int i = 0; i < 4; i++) {
                    b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                }
            }
        }
        return b;
    }
}
