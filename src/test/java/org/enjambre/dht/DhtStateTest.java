package org.enjambre.dht;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.enjambre.net.PeerAddress;
import org.junit.jupiter.api.Test;

class DhtStateTest {
    @Test
    void idAndNodesOfBothFamiliesSurviveARoundTrip() {
        DhtState state = new DhtState(NodeId.random(), List.of(
                new NodeInfo(NodeId.random(), new PeerAddress("127.0.0.1", 6881)),
                new NodeInfo(NodeId.random(), new PeerAddress("::1", 6882))));
        assertThat(DhtState.decode(state.encode())).isEqualTo(state);
    }

    @Test
    void aDamagedFileIsAClearError() {
        assertThatThrownBy(() -> DhtState.decode("d2:id3:abce".getBytes())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DhtState.decode("garbage".getBytes())).isInstanceOf(IllegalArgumentException.class);
    }
}
