package org.enjambre.dht;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * The tokens a node hands out with {@code get_peers} answers and demands back in
 * {@code announce_peer} (BEP 5): the first 8 bytes of SHA-1(secret, the requester's IP). The
 * secret changes every {@link #ROTATE_MILLIS}; a token made with the previous secret is still
 * accepted, so a token is good for 5 to 10 minutes and only from the address it was given to.
 */
public final class TokenSecrets {
    public static final long ROTATE_MILLIS = 5 * 60_000L;
    public static final int TOKEN_LENGTH = 8;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final LongSupplier clockMillis;
    private byte[] current = fresh();
    private byte[] previous = fresh();
    private long rotatedAt;

    public TokenSecrets(LongSupplier clockMillis) {
        this.clockMillis = clockMillis;
        this.rotatedAt = clockMillis.getAsLong();
    }

    /** The token for a requester's IP address bytes (4 or 16). */
    public synchronized byte[] token(byte[] ip) {
        rotateIfDue();
        return make(current, ip);
    }

    /** Whether {@code token} was given to {@code ip} under the current or the previous secret. */
    public synchronized boolean valid(byte[] token, byte[] ip) {
        rotateIfDue();
        return MessageDigest.isEqual(token, make(current, ip)) || MessageDigest.isEqual(token, make(previous, ip));
    }

    private void rotateIfDue() {
        long now = clockMillis.getAsLong();
        if (now - rotatedAt >= 2 * ROTATE_MILLIS) {
            previous = fresh(); // both secrets are stale: nothing handed out before is good any more
            current = fresh();
            rotatedAt = now;
        } else if (now - rotatedAt >= ROTATE_MILLIS) {
            previous = current;
            current = fresh();
            rotatedAt = now;
        }
    }

    private static byte[] fresh() {
        byte[] b = new byte[20];
        RANDOM.nextBytes(b);
        return b;
    }

    private static byte[] make(byte[] secret, byte[] ip) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(secret);
            sha1.update(ip);
            return Arrays.copyOf(sha1.digest(), TOKEN_LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JDK", e);
        }
    }
}
