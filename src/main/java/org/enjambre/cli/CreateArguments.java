package org.enjambre.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a plain {@code enjambre create} line without picocli, so that {@code create} starts in a
 * fraction of the time: picocli builds a model of every command by reflection before it parses
 * anything, and that cost more CPU than the JVM's own start.
 *
 * <p>Only lines whose meaning is beyond doubt are read here: each option once (the lists
 * repeated), {@code --name value} or {@code --name=value} or {@code -o value}, one PATH, no value
 * that starts with {@code -} or {@code @}. Anything else (help, version, errors, clustered short
 * options, {@code @file} arguments, {@code --}) gives {@code null}, and picocli reads the line as
 * before: help and every error message stay picocli's by construction. CreateArgumentsTest checks
 * that every line read here means to picocli exactly what it means here.
 */
final class CreateArguments {
    private CreateArguments() {
    }

    /** The options of a create line (without the word {@code create}), or null when picocli must read it. */
    static CreateCommand parse(String[] args) {
        CreateCommand c = new CreateCommand();
        Set<String> seen = new HashSet<>();
        List<String> trackers = new ArrayList<>();
        List<String> webSeeds = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (arg.startsWith("@")) {
                    return null;
                }
                if (!arg.startsWith("-")) {
                    if (c.path != null) {
                        return null;
                    }
                    c.path = Path.of(arg);
                    continue;
                }
                String name = arg;
                String value = null;
                int eq = arg.indexOf('=');
                if (arg.startsWith("--") && eq > 2) {
                    name = arg.substring(0, eq);
                    value = arg.substring(eq + 1);
                }
                String option = canonical(name);
                if (option == null || !(option.equals("--tracker") || option.equals("--web-seed")) && !seen.add(option)) {
                    return null;
                }
                if (isFlag(option)) {
                    if (value != null) {
                        return null;
                    }
                    switch (option) {
                        case "--force" -> c.force = true;
                        case "--private" -> c.isPrivate = true;
                        case "--no-date" -> c.noDate = true;
                        default -> c.verbose.verbose = true;
                    }
                    continue;
                }
                if (value == null) {
                    if (i + 1 >= args.length) {
                        return null;
                    }
                    value = args[++i];
                }
                if (value.startsWith("-") || value.startsWith("@")) {
                    return null;
                }
                switch (option) {
                    case "--output" -> c.output = Path.of(value);
                    case "--tracker" -> trackers.add(value);
                    case "--web-seed" -> webSeeds.add(value);
                    case "--comment" -> c.comment = value;
                    case "--name" -> c.name = value;
                    case "--piece-size" -> c.pieceSize = Sizes.parse(value);
                    case "--threads" -> {
                        // Plain decimal only: picocli's own reading of signs and large numbers stays picocli's.
                        // (A loop, not a regex: java.util.regex costs create's start a dozen classes.)
                        if (value.isEmpty() || !Sizes.allDigits(value) || value.length() > 9 || value.length() > 1 && value.charAt(0) == '0') {
                            return null;
                        }
                        c.threads = Integer.valueOf(value);
                    }
                    default -> {
                        return null;
                    }
                }
            }
        } catch (IllegalArgumentException e) { // a bad size or an impossible path (InvalidPathException)
            return null; // picocli refuses it too: its message, not ours
        }
        if (c.path == null || c.output == null) {
            return null;
        }
        c.trackers = trackers;
        c.webSeeds = webSeeds;
        return c;
    }

    private static String canonical(String name) {
        return switch (name) {
            case "-o", "--output" -> "--output";
            case "-t", "--tracker" -> "--tracker";
            case "-f", "--force" -> "--force";
            case "--piece-size", "--private", "--comment", "--name", "--web-seed", "--no-date", "--threads", "--verbose" -> name;
            default -> null;
        };
    }

    private static boolean isFlag(String option) {
        return switch (option) {
            case "--force", "--private", "--no-date", "--verbose" -> true;
            default -> false;
        };
    }
}
