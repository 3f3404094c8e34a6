package org.enjambre.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The receiving side of Message Stream Encryption against {@link MseInitiator}, fed in pieces of
 * every size.
 */
class EncryptedGreetingTest {
    private static final byte[] INFO_HASH = "0123456789abcdefghij".getBytes();
    private static final byte[] OTHER_HASH = "zyxwvutsrqponmlkjihg".getBytes();

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static EncryptedGreeting responder() {
        return new EncryptedGreeting(req2 -> Arrays.equals(req2, EncryptedGreeting.req2(INFO_HASH)) ? INFO_HASH : null,
                new SecureRandom());
    }

    /** Bytes that arrived after the greeting was over: a connection hands them on as they are. */
    private byte[] afterGreeting = new byte[0];

    /** Feeds {@code bytes} in pieces of {@code step} bytes; returns everything the responder answered. */
    private byte[] feed(EncryptedGreeting b, byte[] bytes, int step) throws WireException {
        byte[] answered = new byte[0];
        for (int at = 0; at < bytes.length; at += step) {
            byte[] piece = Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + step));
            if (b.done()) {
                afterGreeting = concat(afterGreeting, piece);
            } else {
                answered = concat(answered, b.feed(piece));
            }
        }
        return answered;
    }

    @Test
    void rc4MatchesItsPublishedVector() {
        byte[] cipher = new EncryptedGreeting.Rc4("Key".getBytes(), 0).apply("Plaintext".getBytes());
        assertArrayEquals(HexFormat.of().parseHex("bbf316e8d940af0ad3"), cipher);
    }

    @Test
    void plaintextIsChosenAndTheHandshakeInTheInitialPayloadComesOutClear() throws WireException {
        for (int step : new int[] {1, 7, 96, 4096}) {
            afterGreeting = new byte[0];
            MseInitiator a = new MseInitiator(37);
            EncryptedGreeting b = responder();
            byte[] fromB = feed(b, a.first(), step);
            assertTrue(fromB.length >= EncryptedGreeting.KEY_LENGTH, "B's public key and padding");
            byte[] handshake = Handshake.ours(INFO_HASH, new byte[20]).encode().getBytes();
            byte[] firstMessage = {0, 0, 0, 1, 2}; // interested, already in the clear
            byte[] answer = feed(b, a.third(fromB, INFO_HASH, EncryptedGreeting.PLAINTEXT | EncryptedGreeting.RC4,
                    handshake, firstMessage), step);
            assertTrue(b.done());
            assertArrayEquals(INFO_HASH, b.infoHash());
            assertArrayEquals(concat(handshake, firstMessage), concat(b.plaintext(), afterGreeting));
            byte[] clear = a.decrypt(answer);
            assertEquals(14, clear.length, "VC, crypto_select and an empty PadD");
            assertArrayEquals(new byte[8], Arrays.copyOf(clear, 8));
            assertEquals(EncryptedGreeting.PLAINTEXT, clear[11]);
            assertEquals(0, clear[12] | clear[13]);
        }
    }

    @Test
    void aHandshakeSentAfterTheGreetingIsLeftForTheDecoder() throws WireException {
        MseInitiator a = new MseInitiator(0);
        EncryptedGreeting b = responder();
        byte[] fromB = b.feed(a.first());
        byte[] handshake = Handshake.ours(INFO_HASH, new byte[20]).encode().getBytes();
        b.feed(a.third(fromB, INFO_HASH, EncryptedGreeting.PLAINTEXT, new byte[0], new byte[0]));
        assertTrue(b.done());
        assertEquals(0, b.plaintext().length);
    }

    /** The greeting of a peer naming {@code infoHash} and offering {@code provide}, refused: the exception's message. */
    private static String refusal(byte[] infoHash, int provide) throws WireException {
        MseInitiator a = new MseInitiator(12);
        EncryptedGreeting b = responder();
        byte[] fromB = b.feed(a.first());
        WireException e = assertThrows(WireException.class,
                () -> b.feed(a.third(fromB, infoHash, provide, new byte[0], new byte[0])));
        assertEquals(WireException.Reason.ENCRYPTED_HANDSHAKE, e.reason());
        return e.getMessage();
    }

    @Test
    void aPeerOfferingRc4OnlyIsRefused() throws WireException {
        String message = refusal(INFO_HASH, EncryptedGreeting.RC4);
        assertTrue(message.contains("RC4 only"), message);
    }

    @Test
    void aTorrentWeDontHaveIsRefused() throws WireException {
        String message = refusal(OTHER_HASH, EncryptedGreeting.PLAINTEXT);
        assertTrue(message.contains("don't have"), message);
    }

    @Test
    void noiseWithoutSynchronisationIsRefusedAfterTheLongestPadding() throws WireException {
        EncryptedGreeting b = responder();
        byte[] key = new byte[EncryptedGreeting.KEY_LENGTH];
        key[EncryptedGreeting.KEY_LENGTH - 1] = 5;
        b.feed(key);
        b.feed(new byte[EncryptedGreeting.MAX_PADDING + 19]); // one short of the limit: still waiting
        assertFalse(b.done());
        assertThrows(WireException.class, () -> b.feed(new byte[1]));
    }

    @Test
    void aDegeneratePublicKeyIsRefused() {
        EncryptedGreeting b = responder();
        byte[] one = new byte[EncryptedGreeting.KEY_LENGTH];
        one[EncryptedGreeting.KEY_LENGTH - 1] = 1;
        assertThrows(WireException.class, () -> b.feed(one));
    }

    @Test
    void aPlainHandshakeIsToldFromAnEncryptedGreetingByItsFirstBytes() {
        byte[] handshake = Handshake.ours(INFO_HASH, new byte[20]).encode().getBytes();
        assertNull(EncryptedGreeting.isEncrypted(Arrays.copyOf(handshake, 5)));
        assertEquals(Boolean.FALSE, EncryptedGreeting.isEncrypted(Arrays.copyOf(handshake, 20)));
        assertEquals(Boolean.TRUE, EncryptedGreeting.isEncrypted(new byte[] {19, 'B', 'x'}));
        assertEquals(Boolean.TRUE, EncryptedGreeting.isEncrypted(new byte[] {(byte) 0xc3}));
    }
}
