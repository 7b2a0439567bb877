package io.imagegate.agent.image;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The arrays fetched chunks are read into (one a fetch, reused for each chunk of its run), kept for
 * reuse by power-of-two size class: a chunk's bytes are verified and stored from the array, and the
 * array goes back when the run is over, so fetching allocates nothing per request once warm. At most {@code maxKept} bytes of arrays wait in the pool.
 */
final class RunBuffers {

    private static final int MIN_SHIFT = 16;
    private static final int MAX_SHIFT = 30;

    @SuppressWarnings("unchecked")
    private final ConcurrentLinkedQueue<byte[]>[] classes = new ConcurrentLinkedQueue[MAX_SHIFT + 1];
    private final AtomicLong kept = new AtomicLong();
    private final long maxKept;

    RunBuffers(long maxKept) {
        this.maxKept = maxKept;
        for (int k = MIN_SHIFT; k <= MAX_SHIFT; k++) {
            classes[k] = new ConcurrentLinkedQueue<>();
        }
    }

    /** An array of at least {@code length} bytes. */
    byte[] take(int length) {
        int k = Math.max(MIN_SHIFT, 32 - Integer.numberOfLeadingZeros(Math.max(1, length) - 1));
        byte[] b = classes[k].poll();
        if (b == null) {
            return new byte[1 << k];
        }
        kept.addAndGet(-b.length);
        return b;
    }

    void give(byte[] b) {
        if (Integer.bitCount(b.length) != 1 || b.length < 1 << MIN_SHIFT) {
            return;
        }
        if (kept.addAndGet(b.length) <= maxKept) {
            classes[Integer.numberOfTrailingZeros(b.length)].offer(b);
        } else {
            kept.addAndGet(-b.length);
        }
    }
}
