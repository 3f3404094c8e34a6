package org.enjambre.testutil;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The seed corpora of the fuzz targets ({@code src/test/resources/fuzz/<target>/}, one raw input
 * per file) and the fast regression run over them that every {@code mvn verify} does: each seed
 * replayed, then a bounded number of seeded mutations of the seeds. Coverage-guided fuzzing of the
 * same targets is Jazzer's ({@code @FuzzTest} methods, run by {@code bench/fuzz.sh}); this run
 * keeps what fuzzing found fixed, and catches the shallow breakage quickly, without Jazzer's agent
 * in the test JVM.
 *
 * <p>A failing input is written to {@code target/fuzz-findings/<target>/} and named in the failure
 * (with its bytes in hex), so that it can be added to the corpus as a regression input.
 */
public final class FuzzCorpus {
    /** A property over one raw input: returns normally when it holds, throws when it does not. */
    @FunctionalInterface
    public interface Target {
        void check(byte[] input) throws Exception;
    }

    /** Wall-clock cap on one mutation run, so that a loaded machine cannot stretch the build. */
    private static final long MAX_MUTATION_NANOS = 4_000_000_000L;
    /** Mutations stop growing an input past this size: deep inputs cost time, not coverage. */
    private static final int MAX_MUTATED_LENGTH = 64 * 1024;

    private FuzzCorpus() {
    }

    /** The seed files of {@code target}, sorted by name; at least one, or the corpus is missing. */
    public static List<Path> seedFiles(String target) {
        URL url = FuzzCorpus.class.getClassLoader().getResource("fuzz/" + target);
        if (url == null) {
            throw new AssertionError("no seed corpus fuzz/" + target + " on the test class path");
        }
        try (Stream<Path> files = Files.list(Paths.get(url.toURI()))) {
            List<Path> out = files.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().equals("README.md"))
                    .sorted().toList();
            assertThat(out).as("seed corpus fuzz/" + target).isNotEmpty();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The seeds of {@code target} as bytes, in file-name order. */
    public static List<byte[]> seeds(String target) {
        List<byte[]> out = new ArrayList<>();
        for (Path p : seedFiles(target)) {
            try {
                out.add(Files.readAllBytes(p));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /** Runs {@code property} on every seed of {@code target}; a failure names the seed file. */
    public static void replay(String target, Target property) {
        for (Path p : seedFiles(target)) {
            byte[] input;
            try {
                input = Files.readAllBytes(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            run(target, "seed " + p.getFileName(), input, property);
        }
    }

    /**
     * Runs {@code property} on {@code tries} mutations of the seeds of {@code target} (byte flips,
     * inserted tokens, cut and duplicated ranges, splices of two seeds), reproducibly from
     * {@code randomSeed}; stops early only when the wall-clock cap is reached.
     *
     * @param tokens bytes that mean something to the target (delimiters, keys, magic numbers),
     *               inserted and overwritten by some mutations
     * @return the number of inputs tried
     */
    public static int mutate(String target, long randomSeed, int tries, List<byte[]> tokens, Target property) {
        List<byte[]> seeds = seeds(target);
        Random random = new Random(randomSeed);
        long deadline = System.nanoTime() + MAX_MUTATION_NANOS;
        int done = 0;
        for (; done < tries && System.nanoTime() < deadline; done++) {
            byte[] input = seeds.get(random.nextInt(seeds.size()));
            for (int n = 1 + random.nextInt(4); n > 0; n--) {
                input = mutateOnce(input, seeds, tokens, random);
            }
            run(target, "mutation " + done + " of seed " + randomSeed, input, property);
        }
        return done;
    }

    /** Tokens given as text (ISO-8859-1, so every char is one byte). */
    public static List<byte[]> tokens(String... texts) {
        return Arrays.stream(texts).map(t -> t.getBytes(StandardCharsets.ISO_8859_1)).toList();
    }

    private static void run(String target, String what, byte[] input, Target property) {
        try {
            property.check(input);
        } catch (Throwable t) {
            Path saved = save(target, input);
            throw new AssertionError("fuzz target " + target + " failed on " + what + " (" + input.length
                    + " bytes, saved as " + saved + "): " + t + "\ninput: "
                    + HexFormat.of().formatHex(input, 0, Math.min(input.length, 512))
                    + (input.length > 512 ? "..." : ""), t);
        }
    }

    private static Path save(String target, byte[] input) {
        try {
            Path dir = Files.createDirectories(Paths.get("target", "fuzz-findings", target));
            Path file = dir.resolve("finding-" + sha1(input));
            Files.write(file, input);
            return file.toAbsolutePath();
        } catch (IOException e) {
            return Paths.get("(not saved: " + e.getMessage() + ")");
        }
    }

    private static String sha1(byte[] input) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(input));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] mutateOnce(byte[] in, List<byte[]> seeds, List<byte[]> tokens, Random random) {
        int length = in.length;
        int choice = random.nextInt(tokens.isEmpty() ? 7 : 9);
        if (length == 0 && choice < 5) {
            choice = 5;
        }
        switch (choice) {
            case 0 -> { // one random byte
                byte[] out = in.clone();
                out[random.nextInt(length)] = (byte) random.nextInt(256);
                return out;
            }
            case 1 -> { // one bit
                byte[] out = in.clone();
                int at = random.nextInt(length);
                out[at] ^= (byte) (1 << random.nextInt(8));
                return out;
            }
            case 2 -> { // a byte from the edges of the ranges parsers test
                byte[] out = in.clone();
                byte[] interesting = {0, 1, 0x7f, (byte) 0x80, (byte) 0xff, '0', '9', ':', '-', 'e', 'i', 'l', 'd', '%', '&', '='};
                out[random.nextInt(length)] = interesting[random.nextInt(interesting.length)];
                return out;
            }
            case 3 -> { // cut a range
                int from = random.nextInt(length);
                int to = Math.min(length, from + 1 + random.nextInt(Math.max(1, Math.min(length - from, 32))));
                return concat(Arrays.copyOfRange(in, 0, from), Arrays.copyOfRange(in, to, length));
            }
            case 4 -> { // truncate
                return Arrays.copyOf(in, random.nextInt(length));
            }
            case 5 -> { // duplicate a range in place
                if (length == 0 || length > MAX_MUTATED_LENGTH) {
                    return in;
                }
                int from = random.nextInt(length);
                int to = Math.min(length, from + 1 + random.nextInt(64));
                return concat(Arrays.copyOfRange(in, 0, to), Arrays.copyOfRange(in, from, length));
            }
            case 6 -> { // splice: head of this input, tail of another seed
                byte[] other = seeds.get(random.nextInt(seeds.size()));
                int cut = length == 0 ? 0 : random.nextInt(length + 1);
                int otherCut = other.length == 0 ? 0 : random.nextInt(other.length + 1);
                return concat(Arrays.copyOfRange(in, 0, cut), Arrays.copyOfRange(other, otherCut, other.length));
            }
            case 7 -> { // insert a token
                if (length > MAX_MUTATED_LENGTH) {
                    return in;
                }
                byte[] token = tokens.get(random.nextInt(tokens.size()));
                int at = random.nextInt(length + 1);
                return concat(concat(Arrays.copyOfRange(in, 0, at), token), Arrays.copyOfRange(in, at, length));
            }
            default -> { // overwrite with a token
                byte[] token = tokens.get(random.nextInt(tokens.size()));
                byte[] out = in.clone();
                int at = random.nextInt(length + 1);
                for (int i = 0; i < token.length && at + i < out.length; i++) {
                    out[at + i] = token[i];
                }
                return out;
            }
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
