package org.enjambre.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** What {@code enjambre demo} refuses before it starts anything. */
class DemoCommandTest {
    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void badNumbersAreOneClearLineAndStartNothing() {
        String[] r = run("demo", "--leechers", "0");
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2].strip()).isEqualTo("enjambre demo: --leechers must be 1..16, got 0");
        assertThat(run("demo", "--size", "lots")[2]).contains("--size").contains("not a size in bytes");
        assertThat(run("demo", "--rate", "-5")[0]).isNotEqualTo("0");
        assertThat(run("demo", "--web-port", "70000")[2]).contains("--web-port must be 0..65535");
    }

    @Test
    void aFolderThatHoldsAnythingIsNeverUsedSinceTheDemoRemovesIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Files.writeString(dir.resolve("precious.txt"), "keep me");
        System.setProperty("enjambre.jar", dir.resolve("precious.txt").toString());
        try {
            String[] r = run("demo", "--dir", dir.toString());
            assertThat(r[0]).isEqualTo("1");
            assertThat(r[2]).contains("--dir must be a new or empty folder");
            assertThat(dir.resolve("precious.txt")).hasContent("keep me");
        } finally {
            System.clearProperty("enjambre.jar");
        }
    }

    @Test
    void outsideTheJarItSaysHowToRunIt() {
        // Tests run from target/classes: the demo needs the packaged jar to start its nodes.
        String previous = System.clearProperty("enjambre.jar");
        try {
            String[] r = run("demo", "--leechers", "1", "--size", "1M");
            assertThat(r[0]).isEqualTo("1");
            assertThat(r[2]).contains("run it from the jar");
        } finally {
            if (previous != null) {
                System.setProperty("enjambre.jar", previous);
            }
        }
    }
}
