package org.enjambre.tracker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Stateless connection ids: bound to address, port, key and time, valid one to two minutes. */
class ConnectionIdsTest {
    static final byte[] KEY = new byte[16];
    static final byte[] CLIENT = {10, 0, 0, 7};
    static final long T0 = 1_800_000_000_000L;

    static {
        for (int i = 0; i < 16; i++) {
            KEY[i] = (byte) i;
        }
    }

    final ConnectionIds ids = new ConnectionIds(KEY);

    @Test
    void anIdIsAcceptedFromTheAddressAndPortItWasIssuedToForAtLeastAMinute() {
        long id = ids.issue(CLIENT, 6881, T0);
        for (long later = 0; later <= 60_000; later += 5_000) {
            assertThat(ids.valid(id, CLIENT, 6881, T0 + later)).as("%d ms later", later).isTrue();
        }
    }

    @Test
    void anIdExpiresWithinTwoMinutes() {
        long id = ids.issue(CLIENT, 6881, T0);
        assertThat(ids.valid(id, CLIENT, 6881, T0 + 120_000)).isFalse();
        assertThat(ids.valid(id, CLIENT, 6881, T0 + 3_600_000)).isFalse();
        // Issued at the very start of a window: valid for two whole windows, no more.
        long start = T0 - T0 % ConnectionIds.WINDOW_MILLIS;
        long early = ids.issue(CLIENT, 6881, start);
        assertThat(ids.valid(early, CLIENT, 6881, start + 2 * ConnectionIds.WINDOW_MILLIS - 1)).isTrue();
        assertThat(ids.valid(early, CLIENT, 6881, start + 2 * ConnectionIds.WINDOW_MILLIS)).isFalse();
    }

    @Test
    void anIdFromANodeWhoseClockIsAheadIsAccepted() {
        long id = ids.issue(CLIENT, 6881, T0 + 30_000);
        assertThat(ids.valid(id, CLIENT, 6881, T0 - 20_000)).isTrue();
    }

    @Test
    void anIdIsRefusedFromAnotherAddressPortOrKey() {
        long id = ids.issue(CLIENT, 6881, T0);
        assertThat(ids.valid(id, new byte[] {10, 0, 0, 8}, 6881, T0)).isFalse();
        assertThat(ids.valid(id, CLIENT, 6882, T0)).isFalse();
        byte[] otherKey = KEY.clone();
        otherKey[15] ^= 1;
        assertThat(new ConnectionIds(otherKey).valid(id, CLIENT, 6881, T0)).isFalse();
        assertThat(new ConnectionIds(KEY.clone()).valid(id, CLIENT, 6881, T0)).as("same key, another node").isTrue();
    }

    @Test
    void forgedIdsAreRefused() {
        Random random = new Random(1);
        int accepted = 0;
        for (int i = 0; i < 100_000; i++) {
            if (ids.valid(random.nextLong(), CLIENT, 6881, T0)) {
                accepted++;
            }
        }
        assertThat(accepted).isZero();
        assertThat(ids.valid(0x41727101980L, CLIENT, 6881, T0)).as("the connect magic").isFalse();
    }

    @Test
    void ipv6ClientsGetIdsOfTheirOwn() {
        byte[] six = new byte[16];
        six[0] = 0x20;
        six[1] = 0x01;
        six[15] = 1;
        long id = ids.issue(six, 6881, T0);
        assertThat(ids.valid(id, six, 6881, T0 + 1000)).isTrue();
        six[15] = 2;
        assertThat(ids.valid(id, six, 6881, T0 + 1000)).isFalse();
        assertThatThrownBy(() -> ids.issue(new byte[5], 1, T0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ConnectionIds(new byte[8])).isInstanceOf(IllegalArgumentException.class);
    }
}
