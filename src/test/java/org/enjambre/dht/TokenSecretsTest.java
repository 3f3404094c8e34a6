package org.enjambre.dht;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenSecretsTest {
    static final byte[] IP = {127, 0, 0, 1};
    static final byte[] OTHER_IP = {127, 0, 0, 2};
    final AtomicLong now = new AtomicLong();
    final TokenSecrets secrets = new TokenSecrets(now::get);

    @Test
    void aTokenIsGoodOnlyFromTheAddressItWasGivenTo() {
        byte[] token = secrets.token(IP);
        assertThat(token).hasSize(TokenSecrets.TOKEN_LENGTH);
        assertThat(secrets.valid(token, IP)).isTrue();
        assertThat(secrets.valid(token, OTHER_IP)).isFalse();
        assertThat(secrets.valid(new byte[] {1, 2, 3, 4}, IP)).isFalse();
    }

    @Test
    void aTokenOutlivesOneRotationButNotTwo() {
        byte[] token = secrets.token(IP);
        now.addAndGet(TokenSecrets.ROTATE_MILLIS);
        assertThat(secrets.valid(token, IP)).as("made with the previous secret").isTrue();
        assertThat(secrets.token(IP)).isNotEqualTo(token);
        now.addAndGet(TokenSecrets.ROTATE_MILLIS);
        assertThat(secrets.valid(token, IP)).isFalse();
    }

    @Test
    void aLongSilenceForgetsBothSecrets() {
        byte[] token = secrets.token(IP);
        now.addAndGet(3 * TokenSecrets.ROTATE_MILLIS);
        assertThat(secrets.valid(token, IP)).isFalse();
    }
}
