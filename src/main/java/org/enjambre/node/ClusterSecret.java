package org.enjambre.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret of one installation's cluster, and what is derived from it. Hazelcast's open-source
 * edition has no member authentication: the secret only separates clusters (a member that does not
 * know it computes another cluster name and forms a cluster of its own), it does not keep out a
 * process that can read the trackers' traffic. The report token that peer nodes send to the
 * members' report bridge is derived from the secret too, under another label, so a peer that
 * knows the token cannot compute the cluster name.
 */
public record ClusterSecret(byte[] value) {
    /** Environment variable holding the secret when {@code --cluster-secret-file} is not given. */
    public static final String ENV = "ENJAMBRE_CLUSTER_SECRET";
    /** Shorter secrets are refused: the cluster name must not be guessable by trying secrets. */
    public static final int MIN_LENGTH = 16;
    static final String MISSING = "--cluster needs a cluster secret: set " + ENV
            + " or give --cluster-secret-file FILE (at least " + MIN_LENGTH + " characters, the same on every member)";

    public ClusterSecret {
        if (value == null || value.length < MIN_LENGTH) {
            throw new IllegalArgumentException("the cluster secret must be at least " + MIN_LENGTH + " characters");
        }
        value = value.clone();
    }

    /**
     * The secret from {@code file} when given (surrounding white space ignored), else from the
     * environment variable {@link #ENV}; with neither, the one clear line a user sees.
     */
    public static ClusterSecret load(Path file, Map<String, String> environment) throws IOException {
        String text;
        if (file != null) {
            text = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (text.length() < MIN_LENGTH) {
                throw new IllegalArgumentException(file + ": the cluster secret must be at least " + MIN_LENGTH + " characters");
            }
        } else {
            text = environment.get(ENV);
            if (text == null || text.isBlank()) {
                throw new IllegalArgumentException(MISSING);
            }
            text = text.strip();
            if (text.length() < MIN_LENGTH) {
                throw new IllegalArgumentException(ENV + ": the cluster secret must be at least " + MIN_LENGTH + " characters");
            }
        }
        return new ClusterSecret(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A fresh random secret (the demo gives one to its children). */
    public static String random() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** The Hazelcast cluster name: members with another secret are in another cluster. */
    public String clusterName() {
        return "enjambre-" + HexFormat.of().formatHex(derive("enjambre hazelcast cluster name"), 0, 16);
    }

    /** The token peer nodes present to the report bridge, unless the operator sets one of their own. */
    public String reportToken() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(derive("enjambre report token"));
    }

    private byte[] derive(String label) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(value, "HmacSHA256"));
            return mac.doFinal(label.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    @Override
    public String toString() {
        return "ClusterSecret[hidden]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterSecret other && java.security.MessageDigest.isEqual(value, other.value);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(value);
    }

    @Override
    public byte[] value() {
        return value.clone();
    }
}
