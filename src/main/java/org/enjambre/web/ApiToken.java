package org.enjambre.web;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;

/**
 * The node API's bearer token: given ({@code --api-token}, {@code ENJAMBRE_API_TOKEN}) or kept in
 * a file of the user's configuration folder, outside any data folder, made at first start from 32
 * random bytes (64 hex characters) and readable by its owner only (mode 0600).
 */
public final class ApiToken {
    /** The environment variable that gives the token. */
    public static final String ENV = "ENJAMBRE_API_TOKEN";
    /** Shortest token accepted: guessing must stay out of reach. */
    public static final int MIN_LENGTH = 16;
    static final int RANDOM_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiToken() {
    }

    /** A fresh token: 32 random bytes in hex. */
    public static String generate() {
        byte[] b = new byte[RANDOM_BYTES];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Refuses a token too short to be secret or one that cannot travel in a header. */
    public static void check(String token) {
        if (token == null || token.length() < MIN_LENGTH || token.length() > 512) {
            throw new IllegalArgumentException("the API token must be " + MIN_LENGTH + " to 512 characters");
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                throw new IllegalArgumentException("the API token must be printable ASCII without spaces");
            }
        }
    }

    /**
     * {@code $XDG_CONFIG_HOME/enjambre/api-token}, else {@code $HOME/.config/enjambre/api-token}.
     * {@code $HOME} before Java's {@code user.home} (read from the password database): a caller that
     * gives a scratch home (a training run, a test) means it.
     */
    public static Path defaultFile(Map<String, String> env) {
        String xdg = env.get("XDG_CONFIG_HOME");
        String home = env.get("HOME");
        Path config = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg)
                : Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"), ".config");
        return config.resolve("enjambre").resolve("api-token");
    }

    /** The token given on the command line, else in the environment, else read from (or made in) {@code file}. */
    public static String resolve(String given, Map<String, String> env, Path file) throws IOException {
        if (given != null) {
            check(given);
            return given;
        }
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            check(fromEnv.trim());
            return fromEnv.trim();
        }
        return readOrCreate(file);
    }

    /** Reads the token kept in {@code file}, or makes one there (0600) at first start. */
    public static String readOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) {
            Files.createDirectories(file.getParent());
            String token = generate();
            // A temporary file is 0600 from birth on POSIX; the rename makes a half-written token invisible.
            Path tmp = Files.createTempFile(file.getParent(), "api-token", ".tmp");
            try {
                Files.writeString(tmp, token + "\n");
                Files.move(tmp, file);
                return token;
            } catch (FileAlreadyExistsException raced) {
                return readOrCreate(file);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        String token = Files.readString(file).trim();
        try {
            check(token);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage() + " (delete the file to make a new one)");
        }
        return token;
    }
}
