package org.enjambre.wire;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Random;

/**
 * The initiating side of Message Stream Encryption, written from the specification for tests (as
 * libtorrent's outgoing connections speak it): its public key and padding, then, given the
 * responder's key, the synchronisation hash, the torrent, the offer and an initial payload.
 */
public final class MseInitiator {
    private final BigInteger privateKey = new BigInteger(160, new Random(7)).setBit(159);
    private final byte[] padding;
    /** Encrypts what we send (key A) and decrypts what the responder sends (key B), once {@link #third} ran. */
    EncryptedGreeting.Rc4 out;
    EncryptedGreeting.Rc4 in;
    private byte[] keyB;

    public MseInitiator(int paddingLength) {
        padding = new byte[paddingLength];
        new Random(3).nextBytes(padding);
    }

    /** Step 1: our public key and padding. */
    public byte[] first() {
        return concat(EncryptedGreeting.unsigned(EncryptedGreeting.GENERATOR.modPow(privateKey, EncryptedGreeting.PRIME)),
                padding);
    }

    /**
     * Step 3, from the responder's first 96 bytes: the hashes, then (encrypted) the verification
     * constant, {@code provide}, a 5-byte PadC and {@code payload}; {@code after} follows in the clear.
     */
    public byte[] third(byte[] fromResponder, byte[] infoHash, int provide, byte[] payload, byte[] after) {
        BigInteger theirs = new BigInteger(1, Arrays.copyOf(fromResponder, EncryptedGreeting.KEY_LENGTH));
        byte[] secret = EncryptedGreeting.unsigned(theirs.modPow(privateKey, EncryptedGreeting.PRIME));
        out = new EncryptedGreeting.Rc4(EncryptedGreeting.sha1(EncryptedGreeting.ascii("keyA"), secret, infoHash));
        keyB = EncryptedGreeting.sha1(EncryptedGreeting.ascii("keyB"), secret, infoHash);
        in = new EncryptedGreeting.Rc4(keyB);
        byte[] req1 = EncryptedGreeting.sha1(EncryptedGreeting.ascii("req1"), secret);
        byte[] req2 = EncryptedGreeting.req2(infoHash);
        byte[] req3 = EncryptedGreeting.sha1(EncryptedGreeting.ascii("req3"), secret);
        for (int i = 0; i < 20; i++) {
            req2[i] ^= req3[i];
        }
        byte[] padC = new byte[5];
        byte[] fields = new byte[8 + 4 + 2];
        fields[8] = (byte) (provide >>> 24);
        fields[11] = (byte) provide;
        fields[13] = (byte) padC.length;
        byte[] length = {(byte) (payload.length >>> 8), (byte) payload.length};
        byte[] encrypted = out.apply(concat(concat(concat(fields, padC), length), payload));
        return concat(concat(concat(req1, req2), encrypted), after);
    }

    /** What the responder's encrypted verification constant looks like on the wire (to find it after PadB). */
    public byte[] encryptedVerificationConstant() {
        return new EncryptedGreeting.Rc4(keyB).apply(new byte[8]);
    }

    /** Decrypts what the responder sent with key B (the verification constant on). */
    public byte[] decrypt(byte[] bytes) {
        return in.apply(bytes);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
