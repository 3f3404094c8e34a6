package org.enjambre.testutil;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;

/** The leak check that the buffer-moving tests run under finds a buffer dropped without release. */
class NettyLeaksTest {
    @Test
    void aBufferDroppedWithoutReleaseIsReportedWithWhereItWasAllocated() {
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        try {
            NettyLeaks.sweep(); // whatever earlier tests in this JVM left
            allocateAndForget();
            assertThat(NettyLeaks.sweep()).singleElement().asString().contains("allocateAndForget");
        } finally {
            ResourceLeakDetector.setLevel(level);
        }
    }

    @Test
    void aReleasedBufferIsNotReported() {
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        try {
            NettyLeaks.sweep();
            ByteBuf buffer = ByteBufAllocator.DEFAULT.directBuffer(64);
            buffer.writeLong(42);
            buffer.release();
            assertThat(NettyLeaks.sweep()).isEmpty();
        } finally {
            ResourceLeakDetector.setLevel(level);
        }
    }

    private static void allocateAndForget() {
        ByteBuf lost = ByteBufAllocator.DEFAULT.directBuffer(64);
        lost.writeLong(42);
    }
}
