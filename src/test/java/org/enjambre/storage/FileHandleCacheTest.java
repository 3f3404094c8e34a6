package org.enjambre.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileHandleCacheTest {
    @TempDir
    Path dir;

    private final List<Integer> opened = new ArrayList<>();

    private FileHandleCache cache(int limit) {
        return new FileHandleCache(limit, (index, forWrite) -> {
            opened.add(index);
            Path p = dir.resolve("f" + index);
            return forWrite
                    ? FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)
                    : FileChannel.open(p, StandardOpenOption.READ);
        });
    }

    @Test
    void theLeastRecentlyUsedIdleHandleIsClosedFirst() throws IOException {
        FileHandleCache cache = cache(2);
        FileHandleCache.Handle a = cache.acquire(0, true);
        cache.release(a);
        FileHandleCache.Handle b = cache.acquire(1, true);
        cache.release(b);
        cache.release(cache.acquire(0, true)); // 0 is now the most recent
        FileHandleCache.Handle c = cache.acquire(2, true);
        cache.release(c);
        assertThat(b.channel.isOpen()).isFalse();
        assertThat(a.channel.isOpen()).isTrue();
        assertThat(cache.channelsOpen()).isEqualTo(2);
        assertThat(opened).containsExactly(0, 1, 2);
        cache.close();
        assertThat(a.channel.isOpen()).isFalse();
        assertThat(c.channel.isOpen()).isFalse();
        assertThat(cache.channelsOpen()).isZero();
    }

    @Test
    void anEvictedHandleInUseStaysOpenUntilItsUserReleasesIt() throws IOException {
        FileHandleCache cache = cache(1);
        FileHandleCache.Handle inUse = cache.acquire(0, true);
        cache.release(cache.acquire(1, true)); // evicts 0 from the cache while it is in use
        assertThat(inUse.channel.isOpen()).isTrue();
        inUse.channel.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 0);
        cache.release(inUse);
        assertThat(inUse.channel.isOpen()).isFalse();
        assertThat(Files.readAllBytes(dir.resolve("f0"))).containsExactly(1, 2, 3);
        assertThat(cache.peakChannelsOpen()).isEqualTo(2);
        assertThat(cache.channelsOpen()).isEqualTo(1);
    }

    @Test
    void aReadOnlyHandleIsReplacedWhenAWriteNeedsTheFile() throws IOException {
        Files.write(dir.resolve("f0"), new byte[] {9});
        FileHandleCache cache = cache(4);
        FileHandleCache.Handle read = cache.acquire(0, false);
        cache.release(read);
        assertThat(read.writable).isFalse();
        FileHandleCache.Handle write = cache.acquire(0, true);
        assertThat(write.writable).isTrue();
        assertThat(read.channel.isOpen()).isFalse();
        cache.release(write);
        FileHandleCache.Handle again = cache.acquire(0, false); // a writable handle serves reads too
        assertThat(again).isSameAs(write);
        cache.release(again);
        assertThat(cache.channelsOpen()).isEqualTo(1);
    }

    @Test
    void aClosedCacheRefusesAndAZeroLimitIsRefused() {
        FileHandleCache cache = cache(1);
        cache.close();
        assertThatThrownBy(() -> cache.acquire(0, true)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> cache(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
