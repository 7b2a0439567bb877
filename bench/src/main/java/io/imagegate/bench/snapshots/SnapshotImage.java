package io.imagegate.bench.snapshots;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The disk of one guest at snapshot time: the base image file with the snapshot's writes laid
 * over it, read on demand, so no snapshot is ever written out whole. Thread-safe (positional
 * reads of the base).
 */
public record SnapshotImage(FileChannel base, long size, WriteSet writes) {

    /** Fills {@code buf[off, off + len)} with the snapshot's bytes at {@code pos}. */
    public void read(long pos, byte[] buf, int off, int len) {
        ByteBuffer b = ByteBuffer.wrap(buf, off, len);
        try {
            while (b.hasRemaining()) {
                int n = base.read(b, pos + (b.position() - off));
                if (n < 0) {
                    throw new IOException("base image ends before " + (pos + len));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writes.overlay(pos, buf, off, len);
    }

    public byte[] bytes(long pos, int len) {
        byte[] b = new byte[len];
        read(pos, b, 0, len);
        return b;
    }

    /** Bytes {@code [from, to)} of the snapshot as a stream, produced as it is read. */
    public InputStream stream(long from, long to) {
        return new InputStream() {
            private final byte[] block = new byte[1 << 20];
            private long blockAt = from;
            private int blockLen;
            private int at;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (len == 0) {
                    return 0;
                }
                if (at == blockLen) {
                    blockAt += blockLen;
                    if (blockAt >= to) {
                        return -1;
                    }
                    blockLen = (int) Math.min(block.length, to - blockAt);
                    SnapshotImage.this.read(blockAt, block, 0, blockLen);
                    at = 0;
                }
                int n = Math.min(len, blockLen - at);
                System.arraycopy(block, at, b, off, n);
                at += n;
                return n;
            }

            @Override
            public int available() {
                return blockLen - at;
            }
        };
    }
}
