package org.enjambre.wire;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.function.Function;

/**
 * The receiving side of Message Stream Encryption (MSE/PE, the obfuscation libtorrent, Transmission
 * and others try first on every outgoing connection), answered so that the stream continues in
 * plaintext: a peer that offers plaintext among its crypto methods gets it, and after the greeting
 * the connection is the ordinary BitTorrent wire. Without it, such a peer's first connection fails
 * at our handshake check and it dials again in plaintext a tick later (libtorrent: ~0.5-1 s lost at
 * the start of every transfer, bench/RESULTS.md). A peer that offers RC4 only is refused.
 *
 * <p>Pure: bytes in, bytes to send out. {@link #feed} takes what the peer sent; once {@link #done()},
 * {@link #plaintext()} holds the bytes that follow the greeting (the decrypted initial payload, if
 * any, then what came after it), to be read as a BitTorrent handshake. Limits: the peer's padding
 * is at most {@link #MAX_PADDING} bytes (the specification's), the initial payload at most
 * {@link #MAX_INITIAL_PAYLOAD}; anything else is a {@link WireException}.
 */
public final class EncryptedGreeting {
    /** The 768-bit prime of the specification's Diffie-Hellman exchange (generator 2). */
    static final BigInteger PRIME = new BigInteger(
            "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF"
                    + "9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A36210000000000090563", 16);
    static final BigInteger GENERATOR = BigInteger.TWO;
    /** Bytes of a public key on the wire. */
    public static final int KEY_LENGTH = 96;
    /** The most padding either side may add (PadA, PadC). */
    public static final int MAX_PADDING = 512;
    /** The longest initial payload accepted: a handshake and a little more, far below the 65,535 the field allows. */
    public static final int MAX_INITIAL_PAYLOAD = 16 * 1024;
    /** crypto_provide / crypto_select bits. */
    static final int PLAINTEXT = 0x01;
    static final int RC4 = 0x02;
    /** Bytes after the verification constant: crypto_provide (4) and the length of PadC (2). */
    private static final int VC_FIELDS = 8 + 4 + 2;

    private enum Phase { PUBLIC_KEY, SYNC, TORRENT, VERIFICATION, PADDING, PAYLOAD_LENGTH, PAYLOAD, DONE }

    private final Function<byte[], byte[]> torrentOfReq2;
    private final SecureRandom random;
    private Phase phase = Phase.PUBLIC_KEY;
    /** Bytes received and not consumed yet (as received: the encrypted ones are decrypted as consumed). */
    private byte[] pending = new byte[0];
    private byte[] secret;
    private byte[] req1;
    private byte[] req3;
    private Rc4 incoming;
    private Rc4 outgoing;
    private int paddingLength;
    private int payloadLength;
    private byte[] infoHash;
    private byte[] plaintext;

    /**
     * @param torrentOfReq2 the info-hash whose {@code SHA1("req2" + infoHash)} is the given 20 bytes,
     *                      or null when we have no such torrent
     */
    public EncryptedGreeting(Function<byte[], byte[]> torrentOfReq2, SecureRandom random) {
        this.torrentOfReq2 = torrentOfReq2;
        this.random = random;
    }

    /**
     * Whether a connection that began with {@code start} is an encrypted greeting rather than a
     * BitTorrent handshake: true or false, or null while its first bytes still match the handshake's
     * 20-byte prefix and more are needed to tell.
     */
    public static Boolean isEncrypted(byte[] start) {
        int n = Math.min(start.length, Handshake.PROTOCOL.length);
        for (int i = 0; i < n; i++) {
            if (start[i] != Handshake.PROTOCOL[i]) {
                return true;
            }
        }
        return n == Handshake.PROTOCOL.length ? Boolean.FALSE : null;
    }

    /** What identifies a torrent in the greeting: {@code SHA1("req2" + infoHash)}. */
    public static byte[] req2(byte[] infoHash) {
        return sha1(ascii("req2"), infoHash);
    }

    /**
     * Takes bytes the peer sent; returns the bytes to send it now (often none). Throws when the
     * greeting cannot go on: the connection is to be closed.
     */
    public byte[] feed(byte[] data) throws WireException {
        if (phase == Phase.DONE) {
            throw new IllegalStateException("the greeting is over: the rest is plaintext");
        }
        pending = concat(pending, data);
        byte[] out = new byte[0];
        boolean progress = true;
        while (progress && phase != Phase.DONE) {
            progress = switch (phase) {
                case PUBLIC_KEY -> {
                    if (pending.length < KEY_LENGTH) {
                        yield false;
                    }
                    out = concat(out, agree(take(KEY_LENGTH)));
                    yield true;
                }
                case SYNC -> synchronise();
                case TORRENT -> {
                    if (pending.length < 20) {
                        yield false;
                    }
                    chooseTorrent(take(20));
                    yield true;
                }
                case VERIFICATION -> {
                    if (pending.length < VC_FIELDS) {
                        yield false;
                    }
                    out = concat(out, verify(incoming.apply(take(VC_FIELDS))));
                    yield true;
                }
                case PADDING -> {
                    if (pending.length < paddingLength) {
                        yield false;
                    }
                    incoming.apply(take(paddingLength)); // only to move the key stream on
                    phase = Phase.PAYLOAD_LENGTH;
                    yield true;
                }
                case PAYLOAD_LENGTH -> {
                    if (pending.length < 2) {
                        yield false;
                    }
                    byte[] length = incoming.apply(take(2));
                    payloadLength = ((length[0] & 0xff) << 8) | (length[1] & 0xff);
                    if (payloadLength > MAX_INITIAL_PAYLOAD) {
                        throw fail("initial payload of " + payloadLength + " bytes");
                    }
                    phase = Phase.PAYLOAD;
                    yield true;
                }
                case PAYLOAD -> {
                    if (pending.length < payloadLength) {
                        yield false;
                    }
                    // Plaintext was chosen: what follows the (always encrypted) initial payload is clear.
                    plaintext = concat(incoming.apply(take(payloadLength)), pending);
                    pending = new byte[0];
                    phase = Phase.DONE;
                    yield true;
                }
                case DONE -> false;
            };
        }
        return out;
    }

    /** Whether the greeting is over and {@link #plaintext()} may be read. */
    public boolean done() {
        return phase == Phase.DONE;
    }

    /** The bytes after the greeting, in the clear (the start of the BitTorrent handshake). */
    public byte[] plaintext() {
        if (phase != Phase.DONE) {
            throw new IllegalStateException("the greeting is not over");
        }
        return plaintext;
    }

    /** The torrent the peer named (once past that step), else null. */
    public byte[] infoHash() {
        return infoHash == null ? null : infoHash.clone();
    }

    /** Diffie-Hellman: our public key (and a little padding) for theirs; the shared secret. */
    private byte[] agree(byte[] theirKey) throws WireException {
        BigInteger ya = new BigInteger(1, theirKey);
        if (ya.compareTo(BigInteger.ONE) <= 0 || ya.compareTo(PRIME.subtract(BigInteger.ONE)) >= 0) {
            throw fail("degenerate public key");
        }
        BigInteger xb = new BigInteger(160, random).setBit(159);
        secret = unsigned(ya.modPow(xb, PRIME));
        req1 = sha1(ascii("req1"), secret);
        req3 = sha1(ascii("req3"), secret);
        phase = Phase.SYNC;
        byte[] padding = new byte[random.nextInt(64)];
        random.nextBytes(padding);
        return concat(unsigned(GENERATOR.modPow(xb, PRIME)), padding);
    }

    /** Finds {@code SHA1("req1" + S)} after the peer's padding (at most {@link #MAX_PADDING} bytes). */
    private boolean synchronise() throws WireException {
        int limit = Math.min(pending.length - 20, MAX_PADDING);
        for (int at = 0; at <= limit; at++) {
            if (Arrays.equals(pending, at, at + 20, req1, 0, 20)) {
                take(at + 20);
                phase = Phase.TORRENT;
                return true;
            }
        }
        if (pending.length >= MAX_PADDING + 20) {
            throw fail("no synchronisation within " + MAX_PADDING + " bytes of padding");
        }
        return false;
    }

    private void chooseTorrent(byte[] masked) throws WireException {
        byte[] req2 = masked.clone();
        for (int i = 0; i < 20; i++) {
            req2[i] ^= req3[i];
        }
        infoHash = torrentOfReq2.apply(req2);
        if (infoHash == null) {
            throw fail("a torrent we don't have");
        }
        incoming = new Rc4(sha1(ascii("keyA"), secret, infoHash));
        outgoing = new Rc4(sha1(ascii("keyB"), secret, infoHash));
        phase = Phase.VERIFICATION;
    }

    /** Checks the verification constant and the peer's offer; answers with plaintext chosen and no padding. */
    private byte[] verify(byte[] fields) throws WireException {
        for (int i = 0; i < 8; i++) {
            if (fields[i] != 0) {
                throw fail("bad verification constant");
            }
        }
        int provide = ((fields[8] & 0xff) << 24) | ((fields[9] & 0xff) << 16) | ((fields[10] & 0xff) << 8)
                | (fields[11] & 0xff);
        if ((provide & PLAINTEXT) == 0) {
            throw fail("the peer offers RC4 only (crypto_provide " + provide + "), we speak plaintext");
        }
        paddingLength = ((fields[12] & 0xff) << 8) | (fields[13] & 0xff);
        if (paddingLength > MAX_PADDING) {
            throw fail("padding of " + paddingLength + " bytes");
        }
        phase = Phase.PADDING;
        byte[] answer = new byte[VC_FIELDS]; // VC (zeros), crypto_select, len(PadD) = 0
        answer[11] = PLAINTEXT;
        return outgoing.apply(answer);
    }

    private byte[] take(int n) {
        byte[] head = Arrays.copyOfRange(pending, 0, n);
        pending = Arrays.copyOfRange(pending, n, pending.length);
        return head;
    }

    private static WireException fail(String detail) {
        return new WireException(WireException.Reason.ENCRYPTED_HANDSHAKE, detail);
    }

    /** A non-negative number as the protocol's fixed 96 bytes, big-endian. */
    static byte[] unsigned(BigInteger n) {
        byte[] raw = n.toByteArray();
        byte[] out = new byte[KEY_LENGTH];
        int copy = Math.min(raw.length, KEY_LENGTH);
        System.arraycopy(raw, raw.length - copy, out, KEY_LENGTH - copy, copy);
        return out;
    }

    static byte[] sha1(byte[]... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-1");
            for (byte[] part : parts) {
                digest.update(part);
            }
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JDK", e);
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        if (a.length == 0) {
            return b.clone();
        }
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** RC4 with the first 1,024 bytes of key stream dropped, as the specification wants. */
    static final class Rc4 {
        private final int[] s = new int[256];
        private int i;
        private int j;

        Rc4(byte[] key) {
            this(key, 1024);
        }

        Rc4(byte[] key, int discard) {
            for (int k = 0; k < 256; k++) {
                s[k] = k;
            }
            for (int k = 0, m = 0; k < 256; k++) {
                m = (m + s[k] + (key[k % key.length] & 0xff)) & 0xff;
                int t = s[k];
                s[k] = s[m];
                s[m] = t;
            }
            apply(new byte[discard]);
        }

        /** Encrypts or decrypts (the same), in a new array. */
        byte[] apply(byte[] data) {
            byte[] out = new byte[data.length];
            for (int k = 0; k < data.length; k++) {
                i = (i + 1) & 0xff;
                j = (j + s[i]) & 0xff;
                int t = s[i];
                s[i] = s[j];
                s[j] = t;
                out[k] = (byte) (data[k] ^ s[(s[i] + s[j]) & 0xff]);
            }
            return out;
        }
    }
}
