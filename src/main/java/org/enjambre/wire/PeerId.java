package org.enjambre.wire;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/** Peer ids in BEP 20 Azureus style: {@code -EJ0001-} followed by 12 random bytes. */
public final class PeerId {
    /** Client code and version, the first 8 bytes of every id we make. */
    public static final String PREFIX = "-EJ0001-";
    public static final int LENGTH = 20;
    private static final SecureRandom RANDOM = new SecureRandom();

    private PeerId() {
    }

    /** A fresh 20-byte id. The random part is printable so that logs and trackers show it plainly. */
    public static byte[] generate() {
        byte[] id = new byte[LENGTH];
        byte[] prefix = PREFIX.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(prefix, 0, id, 0, prefix.length);
        String alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        for (int i = prefix.length; i < LENGTH; i++) {
            id[i] = (byte) alphabet.charAt(RANDOM.nextInt(alphabet.length()));
        }
        return id;
    }
}
