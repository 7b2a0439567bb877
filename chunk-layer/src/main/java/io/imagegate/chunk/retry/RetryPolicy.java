package io.imagegate.chunk.retry;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * How a request that failed for a reason that may pass (a 503 SlowDown, a 500, a timeout, a broken
 * connection) is repeated: up to {@code maxAttempts} attempts in all, waiting a random time between
 * zero and {@code min(maxDelay, baseDelay * 2^(retry-1))} before retry number {@code retry} ("full
 * jitter"), so that many clients failing at once (gateways on a slow backend, agents on many nodes
 * when a gateway restarts) spread their retries out instead of retrying in step.
 *
 * <p>The one policy of the project: the chunk layer's S3 store and the node agent's fetches both run
 * their attempts through {@link #run}, each deciding in its {@link Failures} what may pass and what
 * to throw when the attempts are spent; they differ only in their budgets.
 *
 * @param maxAttempts attempts per request, the first included; 1 disables retries
 * @param baseDelay   the cap of the first backoff
 * @param maxDelay    the largest backoff (the S3 store also gives it to clients as Retry-After once the budget is spent)
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

    /** The largest wait before retry number {@code retry} (1 for the first retry): {@code min(maxDelay, baseDelay * 2^(retry-1))}. */
    public Duration ceiling(int retry) {
        if (retry < 1) {
            throw new IllegalArgumentException("retries count from 1: " + retry);
        }
        long base = baseDelay.toNanos();
        long cap = maxDelay.toNanos();
        int shift = retry - 1;
        return Duration.ofNanos(shift >= 62 || base > (cap >> shift) ? cap : Math.min(cap, base << shift));
    }

    /** The wait before retry number {@code retry} (1 for the first retry): uniform in {@code [0, ceiling(retry)]}. */
    public Duration backoff(int retry, RandomGenerator random) {
        long ceiling = ceiling(retry).toNanos();
        return ceiling <= 0 ? Duration.ZERO : Duration.ofNanos(random.nextLong(ceiling + 1));
    }

    /** One attempt of a request. */
    @FunctionalInterface
    public interface Attempt<T> {
        T run() throws Exception;
    }

    /** What a caller's failures mean: which may pass on a retry, and what it throws otherwise. */
    public interface Failures<E extends Exception> {

        /**
         * Returns normally when {@code failure} may pass on a retry; otherwise throws what the caller
         * should see (an {@code E}, or an unchecked exception).
         */
        void classify(Exception failure) throws E;

        /** What to throw once {@code attempts} attempts have failed, {@code last} the last failure (already classified). */
        E exhausted(Exception last, int attempts);

        /** What to throw when the thread is interrupted while backing off; the interrupt flag is set again. */
        E interrupted(Exception last);

        /** Called before backing off for retry number {@code retry} (for counters and logs). */
        default void retrying(Exception failure, int retry, Duration wait) {}
    }

    /** How the backoff waits; tests hand in one that records the waits instead. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    /** Runs {@code attempt} until it succeeds, fails in a way that cannot pass, or the attempts are spent. */
    public <T, E extends Exception> T run(Attempt<T> attempt, Failures<E> failures) throws E {
        return run(attempt, failures, ThreadLocalRandom.current(), Thread::sleep);
    }

    /** As {@link #run(Attempt, Failures)}, with the random waits drawn from {@code random} and slept by {@code sleeper}. */
    public <T, E extends Exception> T run(Attempt<T> attempt, Failures<E> failures, RandomGenerator random,
                                          Sleeper sleeper) throws E {
        for (int n = 1; ; n++) {
            Exception failure;
            try {
                return attempt.run();
            } catch (Exception e) {
                failures.classify(e);
                failure = e;
            }
            if (n >= maxAttempts) {
                throw failures.exhausted(failure, n);
            }
            Duration wait = backoff(n, random);
            failures.retrying(failure, n, wait);
            try {
                sleeper.sleep(wait);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw failures.interrupted(failure);
            }
        }
    }
}
