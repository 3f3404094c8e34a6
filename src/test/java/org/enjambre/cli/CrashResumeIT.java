package org.enjambre.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.enjambre.swarm.TestTorrents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leecher killed with SIGKILL at about half, then restarted, fetches only what it had not
 * verified; stopped cleanly, its resume data is trusted without a recheck. Separate JVMs.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CrashResumeIT {
    static final int PIECES = 128;
    static final int PIECE_LENGTH = 64 * 1024;

    @TempDir
    Path dir;

    static Proc download(String name, Path dir, int seedPort) throws Exception {
        return Proc.enjambre(name, dir, List.of(Proc.FREQUENT_STATUS), "download", "file.torrent", "--out", "out",
                "--peer", "127.0.0.1:" + seedPort);
    }

    @Test
    void leecherKilledAtHalfResumesWithoutFetchingVerifiedPiecesAgain() throws Exception {
        Path content = TestTorrents.randomFile(dir.resolve("data/file.bin"), (long) PIECES * PIECE_LENGTH - 1000, 21);
        TestTorrents.create(content, PIECE_LENGTH, dir.resolve("file.torrent"), null);
        try (Proc seed = Proc.enjambre("seed", dir, "seed", "file.torrent", "--data", "data",
                "--upload-rate", String.valueOf(2 * 1024 * 1024))) {
            int port = seed.listeningPort();

            int atKill;
            try (Proc first = download("first", dir, port)) {
                first.awaitVerified(PIECES / 2, 60);
                first.process.destroyForcibly(); // SIGKILL: no shutdown hook, no resume data saved at stop
                first.process.waitFor(10, TimeUnit.SECONDS);
                atKill = first.lastVerified();
            }

            int present;
            try (Proc second = download("second", dir, port)) {
                present = Integer.parseInt(second.awaitLine("^pieces present at start: (\\d+)/", 60));
                second.awaitVerified((present + PIECES) / 2 + 8, 60);
                second.terminate(); // SIGTERM: a clean stop that saves resume data
                assertThat(second.awaitExit(20)).isZero();
            }
            int verifiedBeforeThird;
            try (Proc third = download("third", dir, port)) {
                String start = third.awaitLine("^(pieces present at start: .*)", 60);
                assertThat(third.awaitExit(60)).isZero();
                String fetched = third.awaitLine("^pieces verified in this run: (\\d+)", 5);
                Matcher m = Pattern.compile("present at start: (\\d+)/").matcher(start);
                assertThat(m.find()).isTrue();
                verifiedBeforeThird = Integer.parseInt(m.group(1));
                System.out.printf("killed at >= %d pieces; restart found %d; %s; third run fetched %s%n",
                        atKill, present, start, fetched);
                assertThat(Integer.parseInt(fetched)).isEqualTo(PIECES - verifiedBeforeThird);
                assertThat(start).contains("resume data matches the files");
            }
            // Every piece seen verified before the kill was found on disk after it: none fetched again.
            assertThat(present).isGreaterThanOrEqualTo(atKill);
            assertThat(verifiedBeforeThird).isGreaterThan(present);
            assertThat(Files.mismatch(content, dir.resolve("out/file.bin"))).isEqualTo(-1L);
        }
    }
}
