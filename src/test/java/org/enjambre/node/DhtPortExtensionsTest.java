package org.enjambre.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.util.Arrays;
import org.enjambre.swarm.PeerExtensions;
import org.junit.jupiter.api.Test;

/** The port-message wrapper stands in front of the torrent's other extensions: it must pass every call on. */
class DhtPortExtensionsTest {
    @Test
    void everyHookOfTheSeamIsPassedOnToTheWrappedExtensions() throws Exception {
        for (Method m : PeerExtensions.class.getMethods()) {
            if (m.isDefault()) {
                Method own = DhtPortExtensions.class.getMethod(m.getName(), m.getParameterTypes());
                assertThat(own.getDeclaringClass()).as("%s overridden (a new hook would be swallowed otherwise)",
                        m.getName() + Arrays.toString(m.getParameterTypes())).isEqualTo(DhtPortExtensions.class);
            }
        }
    }
}
