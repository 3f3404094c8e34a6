package org.enjambre.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class PieceBuffersTest {
    private static final int PIECE = 256 * 1024;

    @Test
    void piecesAreBufferedWhileTheBudgetLastsAndKeepTheirBuffer() {
        PieceBuffers buffers = new PieceBuffers(2L * PIECE, 4 * 1024 * 1024);
        ByteBuffer first = buffers.forBlock(0, PIECE, false);
        assertThat(first.capacity()).isEqualTo(PIECE);
        assertThat(first.isDirect()).as("hashed and written where it lies").isTrue();
        assertThat(buffers.forBlock(0, PIECE, false)).isSameAs(first);
        assertThat(buffers.forBlock(1, PIECE, false)).isNotNull();
        assertThat(buffers.usedBytes()).isEqualTo(2L * PIECE);
        assertThat(buffers.forBlock(2, PIECE, false)).as("over the budget: to disk").isNull();
    }

    @Test
    void aPieceThatStartedOnDiskStaysOnDiskWhenMemoryFreesUp() {
        // The race of commit 0bfdeed: piece 2's first block went to disk (budget full) and its
        // write had not completed when piece 0's buffer was released; the next block of piece 2
        // must not get a fresh buffer, which would miss the first block and fail SHA-1.
        PieceBuffers buffers = new PieceBuffers(2L * PIECE, 4 * 1024 * 1024);
        buffers.forBlock(0, PIECE, false);
        buffers.forBlock(1, PIECE, false);
        assertThat(buffers.forBlock(2, PIECE, false)).isNull();
        buffers.release(0);
        assertThat(buffers.usedBytes()).isEqualTo(PIECE);
        assertThat(buffers.forBlock(2, PIECE, false)).as("nothing written yet, but a block is on its way").isNull();
        assertThat(buffers.forBlock(3, PIECE, false)).as("a new piece may use the freed memory").isNotNull();
        buffers.settled(2); // verified or failed: a new attempt decides afresh
        buffers.release(3);
        assertThat(buffers.forBlock(2, PIECE, false)).isNotNull();
    }

    @Test
    void largePiecesAndPiecesAlreadyOnDiskAreNeverBuffered() {
        PieceBuffers buffers = new PieceBuffers(64L * PIECE, 4 * PIECE);
        assertThat(buffers.forBlock(0, 8 * PIECE, false)).isNull();
        assertThat(buffers.forBlock(1, PIECE, true)).isNull();
        assertThat(buffers.forBlock(1, PIECE, false)).isNull();
        assertThat(buffers.usedBytes()).isZero();
    }

    @Test
    void aReleasedBufferServesTheNextPieceOfItsSizeAndSparesStayWithinTheBudget() {
        PieceBuffers buffers = new PieceBuffers(2L * PIECE, PIECE);
        ByteBuffer first = buffers.forBlock(0, PIECE, false);
        buffers.release(0);
        assertThat(buffers.forBlock(1, PIECE, false)).as("reused, not allocated").isSameAs(first);
        ByteBuffer second = buffers.forBlock(2, PIECE, false);
        assertThat(second).isNotSameAs(first);
        buffers.release(1);
        buffers.release(2);
        // Two spares of PIECE fill the budget: a smaller last piece drops one to make room.
        assertThat(buffers.forBlock(3, PIECE / 2, false).capacity()).isEqualTo(PIECE / 2);
        assertThat(buffers.forBlock(4, PIECE, false)).as("the other spare").isIn(first, second);
        assertThat(buffers.usedBytes()).isEqualTo(PIECE + PIECE / 2);
    }
}
