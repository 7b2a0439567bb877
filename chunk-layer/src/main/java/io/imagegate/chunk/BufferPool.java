package io.imagegate.chunk;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Reusable byte arrays in power-of-two size classes (64 KiB to 8 MiB), so range reads and pack
 * writes do not allocate and zero a buffer per request. Lock-free; virtual-thread friendly.
 */
final class BufferPool {

    private static final int MIN_SHIFT = 16;
    private static final int MAX_SHIFT = 23;

    private final List<AtomicReferenceArray<byte[]>> classes = new ArrayList<>();

    BufferPool(long retainedBytes) {
        int n = MAX_SHIFT - MIN_SHIFT + 1;
        for (int i = 0; i < n; i++) {
            long perClass = retainedBytes / n;
            int slots = (int) Math.min(64, perClass >> (MIN_SHIFT + i));
            classes.add(new AtomicReferenceArray<>(retainedBytes == 0 ? 0 : Math.max(1, slots)));
        }
    }

    /** An array of at least {@code minBytes}; give it back with {@link #release}. */
    byte[] acquire(int minBytes) {
        int c = classOf(minBytes);
        if (c < 0) {
            return new byte[minBytes];
        }
        AtomicReferenceArray<byte[]> slots = classes.get(c);
        for (int i = 0; i < slots.length(); i++) {
            byte[] b = slots.get(i);
            if (b != null && slots.compareAndSet(i, b, null)) {
                return b;
            }
        }
        return new byte[1 << (MIN_SHIFT + c)];
    }

    void release(byte[] b) {
        if (b == null || Integer.bitCount(b.length) != 1) {
            return;
        }
        int c = Integer.numberOfTrailingZeros(b.length) - MIN_SHIFT;
        if (c < 0 || c >= classes.size()) {
            return;
        }
        AtomicReferenceArray<byte[]> slots = classes.get(c);
        for (int i = 0; i < slots.length(); i++) {
            if (slots.get(i) == null && slots.compareAndSet(i, null, b)) {
                return;
            }
        }
    }

    private static int classOf(int minBytes) {
        int shift = Math.max(MIN_SHIFT, 32 - Integer.numberOfLeadingZeros(Math.max(1, minBytes - 1)));
        return shift > MAX_SHIFT ? -1 : shift - MIN_SHIFT;
    }
}
