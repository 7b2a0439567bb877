package io.imagegate.agent.nbd;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/** A block device in a byte array: the NBD server's tests need a device, not a store. */
final class MemoryDevice implements BlockDevice {

    final byte[] bytes;
    final boolean readOnly;
    final AtomicInteger flushes = new AtomicInteger();

    MemoryDevice(int size, boolean readOnly) {
        this.bytes = new byte[size];
        this.readOnly = readOnly;
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * 31 + 7);
        }
    }

    @Override public long size() { return bytes.length; }
    @Override public boolean readOnly() { return readOnly; }

    @Override
    public synchronized void read(long offset, ByteBuffer dst) {
        dst.put(bytes, (int) offset, dst.remaining());
    }

    @Override
    public synchronized void write(long offset, ByteBuffer src) {
        src.get(bytes, (int) offset, src.remaining());
    }

    @Override
    public synchronized void writeZeroes(long offset, long length) {
        java.util.Arrays.fill(bytes, (int) offset, (int) (offset + length), (byte) 0);
    }

    @Override
    public void trim(long offset, long length) {
        writeZeroes(offset, length);
    }

    @Override
    public void flush() {
        flushes.incrementAndGet();
    }

    @Override
    public void prefetch(long offset, long length) {}
}
