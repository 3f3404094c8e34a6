package org.enjambre.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
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
                CreateCommand.class,
                InfoCommand.class,
                SeedCommand.class,
                DownloadCommand.class,
                TrackerCommand.class,
                NodeCommand.class,
                DemoCommand.class,
        })
public final class Main implements Runnable {

    /** Exit code for bad input or a failed operation. */
    public static final int EXIT_FAILURE = 1;
    /** Exit code for a command line picocli cannot make sense of (an unknown option, a missing value). */
    public static final int EXIT_USAGE = 2;
    /** Netty's switch for its JFR events (see {@link #withoutNettyFlightRecorderEvents}). */
    static final String NETTY_JFR_PROPERTY = "io.netty.jfr.enabled";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        withoutNettyFlightRecorderEvents();
        int code = run(args);
        if (code == 0 && args.length > 0 && args[0].equals("create")) {
            // A finished create leaves no thread but daemons, so returning ends the JVM with status 0.
            // System.exit would first look up a System.Logger to log the exit (JDK 21+), which opens
            // and searches the 30 MB jar for logging services: 30-80 ms of a run people time.
            return;
        }
        System.exit(code);
    }

    /**
     * Netty registers its buffer allocator's JFR event classes when it first allocates, whether or not a recording ever
     * asks for them; their annotations cost 50-80 ms of a seeder's way to its first peer (bench/RESULTS.md, "a seeder's
     * first announce"). {@code -Dio.netty.jfr.enabled=true} brings them back for whoever records Netty's allocations.
     */
    static void withoutNettyFlightRecorderEvents() {
        if (System.getProperty(NETTY_JFR_PROPERTY) == null) {
            System.setProperty(NETTY_JFR_PROPERTY, "false");
        }
    }

    /** Runs the CLI on stdout/stderr (always UTF-8: names in torrents are) and returns the exit code. */
    public static int run(String... args) {
        return run(new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true),
                new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true), args);
    }

    /** Runs the CLI writing to the given streams and returns the exit code (for tests that call it in-process). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        try {
            // create is a short job whose whole time people compare with other tools: a plain create
            // line skips picocli, whose model of every command cost more CPU than the JVM's start
            // (picocli's classes are Java 5 class files, which the AOT cache cannot hold).
            CreateCommand create = args.length > 0 && args[0].equals("create")
                    ? CreateArguments.parse(java.util.Arrays.copyOfRange(args, 1, args.length)) : null;
            if (create != null) {
                return runCreate(create, out, err);
            }
            CommandLine cmd = commandLine();
            cmd.setOut(out);
            cmd.setErr(err);
            return cmd.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** A create line parsed without picocli, run and reported on errors the way {@link #handleError} does. */
    private static int runCreate(CreateCommand create, PrintWriter out, PrintWriter err) {
        try {
            return create.create(out);
        } catch (Exception e) {
            report(err, "enjambre create", e, create.verbose.verbose);
            return EXIT_FAILURE;
        }
    }

    static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setExecutionExceptionHandler(Main::handleError);
        cmd.setParameterExceptionHandler(Main::handleUsageError);
        return cmd;
    }

    /** A command line that does not parse: one line saying why, and where to look. */
    private static int handleUsageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        err.println(name + ": " + e.getMessage() + " (see " + name + " --help)");
        err.flush();
        return EXIT_USAGE;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    private static int handleError(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        boolean verbose = parsed != null && parsed.expandedArgs().contains("--verbose");
        report(cmd.getErr(), cmd.getCommandSpec().qualifiedName(), e, verbose);
        return EXIT_FAILURE;
    }

    private static void report(PrintWriter err, String command, Exception e, boolean verbose) {
        err.println(command + ": " + describe(e));
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
    }

    /** One clear line for an exception: its message, or what it is when it has none. */
    static String describe(Throwable e) {
        if (e instanceof NoSuchFileException nsf) {
            return (nsf.getReason() != null ? nsf.getReason() : "no such file") + ": " + nsf.getFile();
        }
        if (e instanceof AccessDeniedException ade) {
            return "permission denied: " + ade.getFile();
        }
        if (e instanceof FileSystemException fse && fse.getFile() != null) {
            return fse.getFile() + ": " + (fse.getReason() == null ? fse.getClass().getSimpleName() : fse.getReason());
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
