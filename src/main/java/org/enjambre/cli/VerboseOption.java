package org.enjambre.cli;

import picocli.CommandLine.Option;

/** Mixin for {@code --verbose}: stack traces on errors and debug logs. */
public final class VerboseOption {
    @Option(names = "--verbose", description = "Print stack traces on errors and debug logs.")
    boolean verbose;
}
