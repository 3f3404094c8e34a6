package org.enjambre.wire.ext;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import java.util.Optional;
import org.enjambre.testutil.FuzzCorpus;
import org.junit.jupiter.api.Test;

/**
 * Fuzz target {@code extension}: the payload of a BEP 10 extended message from a peer is decoded
 * by its codec (the extended handshake, BEP 9 ut_metadata, BEP 11 ut_pex) or refused with an
 * {@link ExtensionMessageException}, nothing else; what is decoded encodes to bytes that decode to
 * a message encoding to the same bytes again.
 *
 * <p>Input layout: byte 0 picks the codec (0 handshake, 1 ut_metadata, 2 ut_pex, modulo 3), the
 * rest is the payload.
 */
class ExtensionCodecFuzzTest {
    static final String TARGET = "extension";

    static void check(byte[] input) throws Exception {
        if (input.length == 0) {
            return;
        }
        byte[] payload = Arrays.copyOfRange(input, 1, input.length);
        try {
            switch ((input[0] & 0xff) % 3) {
                case 0 -> {
                    byte[] encoded = ExtendedHandshake.decode(payload).encode();
                    assertThat(ExtendedHandshake.decode(encoded).encode()).isEqualTo(encoded);
                }
                case 1 -> {
                    Optional<MetadataMessage> m = MetadataMessage.decode(payload);
                    if (m.isPresent()) {
                        byte[] encoded = MetadataMessage.encode(m.get());
                        assertThat(MetadataMessage.decode(encoded)).contains(m.get());
                        assertThat(MetadataMessage.encode(MetadataMessage.decode(encoded).orElseThrow())).isEqualTo(encoded);
                    }
                }
                default -> {
                    PexMessage pex = PexMessage.decode(payload);
                    assertThat(pex.added().size()).isLessThanOrEqualTo(2 * PexMessage.MAX_PEERS_PER_LIST);
                    byte[] encoded = pex.encode();
                    assertThat(PexMessage.decode(encoded).encode()).isEqualTo(encoded);
                }
            }
        } catch (ExtensionMessageException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @FuzzTest
    void extensionPayload(byte[] input) throws Exception {
        check(input);
    }

    @Test
    void everySeedPayloadDecodesAndReencodesOrIsRefused() {
        FuzzCorpus.replay(TARGET, ExtensionCodecFuzzTest::check);
    }

    @Test
    void theWellFormedSeedsDecode() throws Exception {
        int decoded = 0;
        for (java.nio.file.Path file : FuzzCorpus.seedFiles(TARGET)) {
            String name = file.getFileName().toString();
            if (name.startsWith("refused-") || name.startsWith("finding-") || name.equals("metadata-unknown-type")) {
                continue;
            }
            byte[] input = java.nio.file.Files.readAllBytes(file);
            byte[] payload = Arrays.copyOfRange(input, 1, input.length);
            switch ((input[0] & 0xff) % 3) {
                case 0 -> assertThat(ExtendedHandshake.decode(payload).extensionIds()).as(name).isNotNull();
                case 1 -> assertThat(MetadataMessage.decode(payload)).as(name).isPresent();
                default -> assertThat(PexMessage.decode(payload).added().size() + PexMessage.decode(payload).dropped().size())
                        .as(name).isGreaterThanOrEqualTo(name.contains("empty") ? 0 : 1);
            }
            decoded++;
        }
        assertThat(decoded).isEqualTo(7);
    }

    @Test
    void mutatedSeedPayloadsDecodeAndReencodeOrAreRefused() {
        int tried = FuzzCorpus.mutate(TARGET, 9L, 10_000,
                FuzzCorpus.tokens("1:m", "d11:ut_metadatai1ee", "6:ut_pexi0e", "i256e", "i-1e", "13:metadata_sizei",
                        "6:yourip4:\u007f\u0000\u0000\u0001", "8:msg_typei", "5:piecei", "10:total_sizei", "5:added",
                        "7:added.f", "6:added6", "7:dropped", "8:dropped6", "e", "d", "l"),
                ExtensionCodecFuzzTest::check);
        assertThat(tried).isPositive();
    }
}
