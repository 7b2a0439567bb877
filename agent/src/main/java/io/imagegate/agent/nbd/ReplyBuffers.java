package io.imagegate.agent.nbd;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Direct buffers for READ replies, kept for reuse by power-of-two size class: a read fills one
 * and the reply is written from it with its header in front, in one write and without the copy
 * into a temporary direct buffer that a heap buffer costs on every socket write. Bounded twice:
 * at most {@link #MAX_KEPT} bytes wait in the pool, and past {@link #MAX_OUT} bytes in use (or
 * for a read above {@link #MAX_CLASS}) a reply gets a heap buffer instead.
 */
final class ReplyBuffers {

    /** Room before the data for the longest reply header (structured OFFSET_DATA: 28 bytes). */
    static final int HEADER_ROOM = 32;
    private static final int MIN_SHIFT = 12;
    private static final int MAX_SHIFT = 22;
    private static final int MAX_CLASS = 1 << MAX_SHIFT;
    private static final long MAX_KEPT = 64L << 20;
    private static final long MAX_OUT = 256L << 20;

    static final ReplyBuffers SHARED = new ReplyBuffers();

    @SuppressWarnings("unchecked")
    private final ConcurrentLinkedQueue<ByteBuffer>[] classes = new ConcurrentLinkedQueue[MAX_SHIFT + 1];
    private final AtomicLong kept = new AtomicLong();
    private final AtomicLong out = new AtomicLong();

    private ReplyBuffers() {
        for (int k = MIN_SHIFT; k <= MAX_SHIFT; k++) {
            classes[k] = new ConcurrentLinkedQueue<>();
        }
    }

    /** A buffer with room for {@link #HEADER_ROOM} header bytes and {@code length} data bytes, cleared. */
    ByteBuffer take(int length) {
        int k = Math.max(MIN_SHIFT, 32 - Integer.numberOfLeadingZeros(Math.max(1, length) - 1));
        if (k > MAX_SHIFT || out.get() > MAX_OUT) {
            return ByteBuffer.allocate(HEADER_ROOM + length);
        }
        ByteBuffer b = classes[k].poll();
        if (b != null) {
            kept.addAndGet(-b.capacity());
        } else {
            b = ByteBuffer.allocateDirect(HEADER_ROOM + (1 << k));
        }
        out.addAndGet(b.capacity());
        return b.clear();
    }

    void give(ByteBuffer b) {
        if (!b.isDirect()) {
            return;
        }
        out.addAndGet(-b.capacity());
        int k = 31 - Integer.numberOfLeadingZeros(b.capacity() - HEADER_ROOM);
        if (kept.addAndGet(b.capacity()) <= MAX_KEPT) {
            classes[k].offer(b);
        } else {
            kept.addAndGet(-b.capacity());
        }
    }
}
