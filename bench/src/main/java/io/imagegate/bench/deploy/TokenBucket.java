package io.imagegate.bench.deploy;

import java.util.concurrent.locks.LockSupport;

/**
 * A link's bandwidth: bytes pass at {@code bytesPerSecond} on average, with a burst of {@code burstBytes}
 * (a generic cell rate algorithm: each reservation moves a theoretical arrival time, callers that would
 * run ahead of it sleep). Reservations are served in the order they are made, so concurrent
 * senders share the link fairly. A rate of 0 means unlimited.
 */
final class TokenBucket {

    private final double nanosPerByte;
    private final long burstNanos;
    private long tat = System.nanoTime();

    TokenBucket(long bytesPerSecond, long burstBytes) {
        this.nanosPerByte = bytesPerSecond <= 0 ? 0 : 1e9 / bytesPerSecond;
        this.burstNanos = (long) (burstBytes * nanosPerByte);
    }

    static TokenBucket unlimited() {
        return new TokenBucket(0, 0);
    }

    boolean limited() {
        return nanosPerByte > 0;
    }

    /** Books {@code bytes} on the link; returns the nanoTime before which they may not all have passed. */
    synchronized long reserve(int bytes) {
        if (nanosPerByte == 0) {
            return 0;
        }
        long now = System.nanoTime();
        tat = Math.max(tat, now - burstNanos) + (long) (bytes * nanosPerByte);
        return tat - burstNanos;
    }

    /** Sleeps until {@code deadline} (a nanoTime), if it lies ahead. */
    static void until(long deadline) {
        long wait;
        while (deadline != 0 && (wait = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }
}
