package io.imagegate.agent.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Buffered big-endian reads from a blocking channel. Reading through the channel itself, not a
 * stream adaptor, keeps reads and the concurrent reply writes of other threads independent.
 */
final class ChannelReader {

    private final ReadableByteChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024).flip();

    ChannelReader(ReadableByteChannel channel) {
        this.channel = channel;
    }

    private void require(int n) throws IOException {
        if (buffer.remaining() >= n) {
            return;
        }
        buffer.compact();
        while (buffer.position() < n) {
            if (channel.read(buffer) < 0) {
                buffer.flip();
                throw new EOFException("the client closed the connection");
            }
        }
        buffer.flip();
    }

    short readShort() throws IOException {
        require(2);
        return buffer.getShort();
    }

    int readInt() throws IOException {
        require(4);
        return buffer.getInt();
    }

    long readLong() throws IOException {
        require(8);
        return buffer.getLong();
    }

    /** Fills {@code dst} completely. */
    void readFully(ByteBuffer dst) throws IOException {
        if (buffer.hasRemaining()) {
            int n = Math.min(buffer.remaining(), dst.remaining());
            ByteBuffer slice = buffer.slice(buffer.position(), n);
            dst.put(slice);
            buffer.position(buffer.position() + n);
        }
        while (dst.hasRemaining()) {
            if (channel.read(dst) < 0) {
                throw new EOFException("the client closed the connection in the middle of a payload");
            }
        }
    }

    /** Takes out the bytes read from the channel and not consumed yet. */
    byte[] drain() {
        byte[] b = new byte[buffer.remaining()];
        buffer.get(b);
        return b;
    }

    byte[] readBytes(int n) throws IOException {
        byte[] b = new byte[n];
        readFully(ByteBuffer.wrap(b));
        return b;
    }
}
