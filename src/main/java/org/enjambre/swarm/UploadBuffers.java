package org.enjambre.swarm;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import java.nio.ByteBuffer;

/**
 * Direct buffers for whole pieces read to upload, each kept for the next read of its size once
 * the last block sliced from it has been written (its reference count reached zero), within a
 * byte bound. Netty's pooled allocator gave each read a run of a 4 MiB chunk and freed a chunk
 * as soon as the read cache's turnover emptied it: a peer uploading 4 MB/s made, zeroed and
 * faulted in a fresh chunk about once a second, and a page fault costs ~10 µs on a virtual
 * machine (bench/RESULTS.md, 2026-12-03, "page faults in the 16-peer swarm"). Thread-safe: a buffer is taken
 * on a storage worker and comes back on whichever thread releases its last block.
 */
final class UploadBuffers {
    private final long maxSpareBytes;
    private final SpareBuffers spare = new SpareBuffers();

    /** @param maxSpareBytes the most the buffers kept for reuse may take together */
    UploadBuffers(long maxSpareBytes) {
        this.maxSpareBytes = maxSpareBytes;
    }

    /**
     * A buffer of exactly {@code length} bytes, its writer index at the end. The caller overwrites
     * every byte before it is read (a reused buffer still holds an earlier piece).
     */
    ByteBuf take(int length) {
        ByteBuffer memory;
        synchronized (this) {
            memory = spare.take(length);
        }
        return new Recycled(memory != null ? memory : ByteBuffer.allocateDirect(length));
    }

    /** Bytes held for reuse now. */
    synchronized long spareBytes() {
        return spare.bytes();
    }

    /** Keeps a buffer no block uses any more; the oldest spares make room. */
    private synchronized void giveBack(ByteBuffer memory) {
        if (memory.capacity() > maxSpareBytes) {
            return;
        }
        spare.trimTo(maxSpareBytes - memory.capacity());
        spare.keep(memory);
    }

    /** A direct buffer over memory it does not free: its last release gives the memory back. */
    private final class Recycled extends UnpooledDirectByteBuf {
        private final ByteBuffer memory;

        Recycled(ByteBuffer memory) {
            // This constructor wraps the memory without ever freeing it (Netty's "doNotFree").
            super(ByteBufAllocator.DEFAULT, memory, memory.capacity());
            this.memory = memory;
        }

        @Override
        protected void deallocate() {
            super.deallocate();
            giveBack(memory);
        }
    }
}
