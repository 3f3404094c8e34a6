package org.enjambre.wire.ext;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Mutated payloads (bytes flipped, cut, repeated) reach each codec: the only failure allowed is an
 * {@link ExtensionMessageException}, never another exception, and what is accepted encodes again.
 */
class ExtensionCodecsFuzzTest {
    private static final int ROUNDS = 3000;

    private interface Codec {
        void decodeAndReencode(byte[] payload) throws ExtensionMessageException;
    }

    private static final List<String> SEEDS = List.of(
            "d1:md11:ut_metadatai1e6:ut_pexi2ee13:metadata_sizei31235e1:pi6881e4:reqqi250e1:v14:Enjambre 0.1.0"
                    + "6:yourip4:\u007f\u0000\u0000\u0001e",
            "d8:msg_typei1e5:piecei0e10:total_sizei5eeabcde",
            "d8:msg_typei0e5:piecei3ee",
            "d5:added6:\u007f\u0000\u0000\u0001\u001a\u00e17:added.f1:\u00126:added618:" + "\u0000".repeat(15)
                    + "\u0001\u001a\u00e28:added6.f1:\u00017:dropped6:\n\u0000\u0000\u0002\u00c8\u00d58:dropped60:e");

    @Test
    void mutatedPayloadsAreEitherReadOrRefusedWithTheCodecsOwnException() {
        Random random = new Random(20261201);
        List<Codec> codecs = List.of(
                p -> ExtendedHandshake.decode(ExtendedHandshake.decode(p).encode()),
                p -> MetadataMessage.decode(p).ifPresent(m -> roundTrip(m)),
                p -> PexMessage.decode(PexMessage.decode(p).encode()));
        int accepted = 0;
        int refused = 0;
        for (int round = 0; round < ROUNDS; round++) {
            byte[] payload = mutate(SEEDS.get(random.nextInt(SEEDS.size())).getBytes(StandardCharsets.ISO_8859_1),
                    random);
            for (Codec codec : codecs) {
                try {
                    codec.decodeAndReencode(payload);
                    accepted++;
                } catch (ExtensionMessageException expected) {
                    refused++;
                }
            }
        }
        assertThat(accepted).as("some mutations stay valid").isPositive();
        assertThat(refused).as("most are refused").isGreaterThan(accepted);
    }

    private static void roundTrip(MetadataMessage message) {
        try {
            assertThat(MetadataMessage.decode(MetadataMessage.encode(message))).contains(message);
        } catch (ExtensionMessageException e) {
            throw new AssertionError("what was read must read again: " + message, e);
        }
    }

    private static byte[] mutate(byte[] seed, Random random) {
        byte[] out = seed.clone();
        switch (random.nextInt(4)) {
            case 0 -> out[random.nextInt(out.length)] = (byte) random.nextInt(256);
            case 1 -> out[random.nextInt(out.length)] = (byte) "0123456789:deil-".charAt(random.nextInt(16));
            case 2 -> out = java.util.Arrays.copyOf(out, random.nextInt(out.length));
            default -> {
                int at = random.nextInt(out.length);
                byte[] longer = new byte[out.length + 1];
                System.arraycopy(out, 0, longer, 0, at);
                longer[at] = out[at];
                System.arraycopy(out, at, longer, at + 1, out.length - at);
                out = longer;
            }
        }
        return out;
    }
}
