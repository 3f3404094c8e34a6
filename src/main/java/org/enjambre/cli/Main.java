package org.enjambre.cli;

import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code enjambre} command line. Each subcommand is its own class; a new one slots in by
 * being added to {@code subcommands} below.
 *
 * <p>Errors a user can cause (a missing file, a malformed torrent, an unsafe path) print one line
 * on stderr and exit non-zero; the stack trace only with {@code --verbose}.
 */
@Command(name = "enjambre",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Enjambre: a distributed BitTorrent system.",
        subcommands = {
                CommandLine.HelpCommand.class,
                SeedCommand.class,
                DownloadCommand.class,
                TrackerCommand.class,
        })
public final class Main implements Runnable {

    /** Exit code for bad input or a failed operation. */
    public static final int EXIT_FAILURE = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code (for tests that call it in-process). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setExecutionExceptionHandler(Main::handleError);
        return cmd;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    private static int handleError(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        boolean verbose = parsed != null && parsed.expandedArgs().contains("--verbose");
        err.println("enjambre " + cmd.getCommandName() + ": " + describe(e));
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return EXIT_FAILURE;
    }

    /** One clear line for an exception: its message, or what it is when it has none. */
    static String describe(Throwable e) {
        if (e instanceof NoSuchFileException nsf) {
            return "no such file: " + nsf.getFile();
        }
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            message = e.getClass().getSimpleName();
        }
        Throwable cause = e.getCause();
        if (cause != null && cause.getMessage() != null && !message.contains(cause.getMessage())) {
            message += ": " + cause.getMessage();
        }
        return message;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"enjambre " + (v == null ? "dev" : v)};
        }
    }
}
