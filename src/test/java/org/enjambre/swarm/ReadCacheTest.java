package org.enjambre.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.enjambre.testutil.NettyLeaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link NettyLeaks}: a piece the cache keeps must be given back by {@link ReadCache#clear()}, and is here. */
@ExtendWith(NettyLeaks.class)
class ReadCacheTest {
    private ReadCache cache;

    static ByteBuf piece(int size) {
        return Unpooled.directBuffer(size).writeZero(size);
    }

    @AfterEach
    void releaseWhatTheCacheStillHolds() {
        if (cache != null) {
            cache.clear();
        }
    }

    @Test
    void theLeastRecentlyUsedPieceIsDroppedAndReleasedPastTheBudget() {
        cache = new ReadCache(2048);
        ByteBuf a = piece(1024);
        ByteBuf b = piece(1024);
        ByteBuf c = piece(1024);
        cache.put(0, a);
        cache.put(1, b);
        assertThat(cache.get(0)).isSameAs(a); // 0 is now the most recently used
        cache.put(2, c);
        assertThat(cache.get(1)).as("the least recently used piece goes").isNull();
        assertThat(b.refCnt()).as("and its memory is given back").isZero();
        assertThat(a.refCnt()).isEqualTo(1);
        assertThat(cache.bytes()).isEqualTo(2048);
    }

    @Test
    void aBlockSlicedFromADroppedPieceStaysReadableUntilItIsReleased() {
        cache = new ReadCache(1024);
        ByteBuf a = piece(1024);
        cache.put(0, a);
        ByteBuf block = cache.get(0).retainedSlice(0, 512);
        cache.put(1, piece(1024));
        assertThat(cache.get(0)).isNull();
        assertThat(block.readableBytes()).isEqualTo(512);
        assertThat(a.refCnt()).as("the block on its way to a socket holds the piece").isEqualTo(1);
        block.release();
        assertThat(a.refCnt()).isZero();
    }

    @Test
    void aPieceLargerThanTheCacheIsReleasedAtOnceAndClearReleasesEverything() {
        cache = new ReadCache(1024);
        ByteBuf big = piece(4096);
        cache.put(0, big);
        assertThat(big.refCnt()).isZero();
        assertThat(cache.get(0)).isNull();
        ByteBuf small = piece(512);
        cache.put(1, small);
        cache.clear();
        assertThat(small.refCnt()).isZero();
        assertThat(cache.bytes()).isZero();
    }
}
