package io.imagegate.chunk.s3;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How the S3 store retries a request that failed for a reason that may pass (503 SlowDown, 500,
 * timeouts, connection errors): up to {@code maxAttempts} attempts in all, waiting a random time
 * between zero and {@code min(maxDelay, baseDelay * 2^retry)} before each retry ("full jitter"),
 * so many gateways backing off at once spread out instead of retrying in step.
 *
 * @param maxAttempts attempts per request, the first included; 1 disables retries
 * @param baseDelay   the cap of the first backoff
 * @param maxDelay    the largest backoff, and the Retry-After a client is given once the budget is spent
 */
public record RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay) {

    public RetryPolicy {
        if (maxAttempts < 1 || maxAttempts > 100) {
            throw new IllegalArgumentException("maxAttempts outside 1..100: " + maxAttempts);
        }
        if (baseDelay == null || maxDelay == null || baseDelay.isNegative() || maxDelay.compareTo(baseDelay) < 0) {
            throw new IllegalArgumentException("need 0 <= baseDelay <= maxDelay: " + baseDelay + ", " + maxDelay);
        }
    }

    /** Six attempts, backing off from up to 100 ms to at most 5 s: about 10 s of worst-case waiting. */
    public static RetryPolicy defaults() {
        return new RetryPolicy(6, Duration.ofMillis(100), Duration.ofSeconds(5));
    }

    /** One attempt only. */
    public static RetryPolicy none() {
        return new RetryPolicy(1, Duration.ZERO, Duration.ZERO);
    }

    /** The wait before retry number {@code retry} (1 for the first retry). */
    public Duration backoff(int retry, RandomGenerator random) {
        long base = baseDelay.toNanos();
        long cap = maxDelay.toNanos();
        long ceiling = retry >= 62 || base > (cap >> Math.min(retry - 1, 62)) ? cap : Math.min(cap, base << (retry - 1));
        return ceiling <= 0 ? Duration.ZERO : Duration.ofNanos(random.nextLong(ceiling + 1));
    }
}
