package org.enjambre.tracker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.enjambre.tracker.protocol.InfoHash;
import org.junit.jupiter.api.Test;

class AllowListTest {
    static final String SERVED = "00112233445566778899aabbccddeeff00112233";
    static final String OTHER = "ffeeddccbbaa99887766554433221100ffeeddcc";

    @Test
    void answersByHexAndByKeyAlike() {
        AllowList list = AllowList.copyOf(List.of(SERVED, SERVED));
        assertThat(list).hasSize(1).containsExactly(SERVED);
        assertThat(list.contains(SERVED)).isTrue();
        assertThat(list.contains(InfoHash.fromHex(SERVED))).isTrue();
        assertThat(list.contains(OTHER)).isFalse();
        assertThat(list.contains(InfoHash.fromHex(OTHER))).isFalse();
        // Only the form the settings hold (lowercase) names a served torrent, as with a set of Strings.
        assertThat(list.contains(SERVED.toUpperCase())).isFalse();
        assertThat(list.contains("not a hash")).isFalse();
        assertThat(list).isEqualTo(Set.of(SERVED));
        assertThat(AllowList.copyOf(list)).isSameAs(list);
    }

    @Test
    void anEntryThatIsNotAnInfoHashIsAClearError() {
        assertThatThrownBy(() -> AllowList.copyOf(List.of(SERVED, "xyz")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'xyz'").hasMessageContaining("40 lowercase hex");
    }
}
