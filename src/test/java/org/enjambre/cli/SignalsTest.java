package org.enjambre.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SignalsTest {
    final AtomicInteger stops = new AtomicInteger();
    final List<Integer> halts = new ArrayList<>();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @SuppressWarnings("removal")
    sun.misc.SignalHandler handler() {
        return Signals.stopHandler(stops::incrementAndGet, halts::add, new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    @SuppressWarnings("removal")
    void theFirstSignalAsksForACleanStopAndNothingElse() {
        handler().handle(new sun.misc.Signal("TERM"));
        assertThat(stops).hasValue(1);
        assertThat(halts).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    @SuppressWarnings("removal")
    void aSecondSignalDuringTheStopEndsTheProcessWithTheShellsStatusForThatSignal() {
        sun.misc.SignalHandler handler = handler();
        handler.handle(new sun.misc.Signal("INT"));
        handler.handle(new sun.misc.Signal("INT"));
        assertThat(stops).as("the clean stop is asked for once").hasValue(1);
        assertThat(halts).containsExactly(130);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("SIGINT again");
        handler.handle(new sun.misc.Signal("TERM"));
        assertThat(halts).containsExactly(130, 143);
    }
}
