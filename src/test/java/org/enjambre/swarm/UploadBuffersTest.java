package org.enjambre.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

/**
 * Which memory a buffer got is seen through its bytes: fresh direct memory is zeroed, a reused
 * buffer still holds the mark the earlier piece left in it.
 */
class UploadBuffersTest {
    private static ByteBuf marked(UploadBuffers buffers, int length, long mark) {
        ByteBuf b = buffers.take(length);
        assertThat(b.getLong(0)).as("fresh memory").isZero();
        b.setLong(0, mark);
        return b;
    }

    @Test
    void aPieceBufferComesBackForTheNextReadOfItsSizeOnlyOnceItsLastBlockIsReleased() {
        UploadBuffers buffers = new UploadBuffers(1 << 20);
        ByteBuf piece = marked(buffers, 4096, 42);
        assertThat(piece.capacity()).isEqualTo(4096);
        assertThat(piece.isDirect()).isTrue();

        ByteBuf block = piece.retainedSlice(1024, 1024); // a block on its way to a socket
        piece.release(); // the read cache dropped the piece
        assertThat(buffers.spareBytes()).as("a block still uses it").isZero();
        ByteBuf other = marked(buffers, 4096, 7); // not handed out while a block is being written

        block.release();
        assertThat(buffers.spareBytes()).isEqualTo(4096);
        ByteBuf again = buffers.take(4096);
        assertThat(again.getLong(0)).as("the same memory, not a fresh allocation").isEqualTo(42);
        assertThat(again.readerIndex()).isZero();
        assertThat(again.readableBytes()).as("spanning its length, as a read of a piece leaves it").isEqualTo(4096);
        assertThat(buffers.spareBytes()).isZero();
        again.release();
        other.release();
    }

    @Test
    void aBufferOfAnotherSizeIsNotReusedAndTheSparesStayWithinTheirBound() {
        UploadBuffers buffers = new UploadBuffers(8192);
        ByteBuf a = marked(buffers, 4096, 1);
        ByteBuf b = marked(buffers, 4096, 2);
        ByteBuf c = marked(buffers, 4096, 3);
        a.release();
        b.release();
        c.release();
        assertThat(buffers.spareBytes()).as("the oldest spare made room").isEqualTo(8192);

        ByteBuf last = marked(buffers, 1000, 4); // a torrent's shorter last piece: fresh memory
        assertThat(buffers.spareBytes()).as("spares of another size stay").isEqualTo(8192);
        ByteBuf x = buffers.take(4096);
        ByteBuf y = buffers.take(4096);
        assertThat(x.getLong(0)).isEqualTo(2);
        assertThat(y.getLong(0)).isEqualTo(3);
        assertThat(buffers.take(4096).getLong(0)).as("none left: fresh memory").isZero();
        last.release();
        x.release();
        y.release();

        UploadBuffers small = new UploadBuffers(1024);
        small.take(4096).release();
        assertThat(small.spareBytes()).as("larger than the bound: left to the GC, not kept").isZero();
    }
}
