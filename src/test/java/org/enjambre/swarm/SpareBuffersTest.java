package org.enjambre.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class SpareBuffersTest {
    @Test
    void aKeptBufferServesOnlyARequestOfItsExactSizeAndComesBackCleared() {
        SpareBuffers spare = new SpareBuffers();
        ByteBuffer piece = ByteBuffer.allocateDirect(4096);
        piece.putLong(0, 42).position(100).limit(200);
        spare.keep(piece);
        assertThat(spare.bytes()).isEqualTo(4096);

        assertThat(spare.take(8192)).isNull();
        ByteBuffer again = spare.take(4096);
        assertThat(again).isSameAs(piece);
        assertThat(again.getLong(0)).as("its bytes are left as they were").isEqualTo(42);
        assertThat(again.position()).isZero();
        assertThat(again.remaining()).isEqualTo(4096);
        assertThat(spare.bytes()).isZero();
        assertThat(spare.take(4096)).isNull();
    }

    @Test
    void trimmingDropsTheOldestFirstDownToTheLimitAndANegativeLimitDropsAll() {
        SpareBuffers spare = new SpareBuffers();
        ByteBuffer oldest = ByteBuffer.allocateDirect(1000);
        ByteBuffer middle = ByteBuffer.allocateDirect(2000);
        ByteBuffer newest = ByteBuffer.allocateDirect(1000);
        spare.keep(oldest);
        spare.keep(middle);
        spare.keep(newest);

        spare.trimTo(3000);
        assertThat(spare.bytes()).isEqualTo(3000);
        assertThat(spare.take(1000)).as("the newest of that size stayed").isSameAs(newest);
        assertThat(spare.take(1000)).isNull();

        spare.trimTo(-500);
        assertThat(spare.bytes()).isZero();
        assertThat(spare.take(2000)).isNull();
    }
}
