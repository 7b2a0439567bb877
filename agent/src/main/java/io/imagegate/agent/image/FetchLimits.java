package io.imagegate.agent.image;

import io.imagegate.chunk.retry.RetryPolicy;
import java.util.concurrent.Semaphore;

/**
 * Node-wide bounds on fetching: how many range GETs run at once (all exports together), how many of
 * those may serve read-ahead and prefetch, how large one GET may grow by joining adjacent chunks,
 * how far read-ahead runs, and the retry budget before a read fails with EIO.
 */
public final class FetchLimits {

    final Semaphore requests;
    final Semaphore background;
    final int maxRunBytes;
    final int maxReadAheadBytes;
    final RetryPolicy retry;
    final RunBuffers buffers;
    /** Guest reads waiting for a fetch now: background work (hydration) gives way while there are any. */
    final java.util.concurrent.atomic.AtomicInteger readersWaiting = new java.util.concurrent.atomic.AtomicInteger();

    public FetchLimits(int parallelFetches, int maxRunBytes, int maxReadAheadBytes, RetryPolicy retry) {
        this.requests = new Semaphore(parallelFetches, true);
        this.background = new Semaphore(Math.max(1, parallelFetches / 2), true);
        this.maxRunBytes = maxRunBytes;
        this.maxReadAheadBytes = maxReadAheadBytes;
        this.retry = retry;
        this.buffers = new RunBuffers(Math.min(64L << 20, (long) parallelFetches * maxRunBytes));
    }

    public RetryPolicy retry() {
        return retry;
    }

    public int maxRunBytes() {
        return maxRunBytes;
    }

    public int readersWaiting() {
        return readersWaiting.get();
    }
}
