package io.imagegate.chunk.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The shared retry policy with seeded randomness and a recording sleeper: no test sleeps or reads
 * a clock. Full jitter means every wait is uniform in {@code [0, min(cap, base * 2^(retry-1))]}.
 */
class RetryPolicyTest {

    private static final RetryPolicy POLICY = new RetryPolicy(6, Duration.ofMillis(100), Duration.ofSeconds(5));

    /** A failure that may pass ({@code retryable}) or not, as a caller's classification sees it. */
    static final class Failure extends IOException {
        final boolean retryable;

        Failure(String message, boolean retryable) {
            super(message);
            this.retryable = retryable;
        }
    }

    /** Retryable {@link Failure}s pass; anything else is thrown as the caller should see it. */
    static final class Recording implements RetryPolicy.Failures<IOException> {
        final List<Duration> waits = new ArrayList<>();
        final List<Integer> retries = new ArrayList<>();

        @Override
        public void classify(Exception failure) throws IOException {
            if (failure instanceof Failure f && f.retryable) {
                return;
            }
            if (failure instanceof IOException e) {
                throw e;
            }
            throw (RuntimeException) failure;
        }

        @Override
        public IOException exhausted(Exception last, int attempts) {
            return new IOException("gave up after " + attempts, last);
        }

        @Override
        public IOException interrupted(Exception last) {
            return new InterruptedIOException("interrupted");
        }

        @Override
        public void retrying(Exception failure, int retry, Duration wait) {
            retries.add(retry);
        }
    }

    @Test
    void ceilingDoublesFromTheBaseUpToTheCap() {
        List<Long> ms = new ArrayList<>();
        for (int retry = 1; retry <= 8; retry++) {
            ms.add(POLICY.ceiling(retry).toMillis());
        }
        assertEquals(List.of(100L, 200L, 400L, 800L, 1600L, 3200L, 5000L, 5000L), ms);
        // no overflow however far the count goes
        assertEquals(Duration.ofSeconds(5), POLICY.ceiling(63));
        assertEquals(Duration.ofSeconds(5), POLICY.ceiling(100));
        assertEquals(Duration.ofSeconds(5), new RetryPolicy(3, Duration.ofSeconds(5), Duration.ofSeconds(5)).ceiling(1));
        assertEquals(Duration.ZERO, RetryPolicy.none().ceiling(4));
        assertThrows(IllegalArgumentException.class, () -> POLICY.ceiling(0));
    }

    @Test
    void everyWaitIsUniformBetweenZeroAndTheCeiling() {
        SplittableRandom random = new SplittableRandom(14);
        for (int retry = 1; retry <= 8; retry++) {
            long ceiling = POLICY.ceiling(retry).toNanos();
            int n = 20_000;
            long min = Long.MAX_VALUE;
            long max = 0;
            double sum = 0;
            int[] tenths = new int[10];
            for (int i = 0; i < n; i++) {
                long w = POLICY.backoff(retry, random).toNanos();
                assertTrue(w >= 0 && w <= ceiling, "retry " + retry + ": " + w + " outside [0, " + ceiling + "]");
                min = Math.min(min, w);
                max = Math.max(max, w);
                sum += w;
                tenths[(int) Math.min(9, w * 10 / ceiling)]++;
            }
            // full jitter, not a fixed doubling (the agent's old policy) nor "equal jitter" (half fixed)
            assertTrue(min < ceiling / 100, "retry " + retry + ": smallest wait " + min + " of " + ceiling);
            assertTrue(max > ceiling - ceiling / 100, "retry " + retry + ": largest wait " + max + " of " + ceiling);
            assertEquals(0.5, sum / n / ceiling, 0.02, "retry " + retry + ": mean wait as a fraction of the ceiling");
            for (int t = 0; t < 10; t++) {
                assertTrue(tenths[t] > n / 10 * 0.9 && tenths[t] < n / 10 * 1.1,
                        "retry " + retry + ": " + tenths[t] + " of " + n + " waits in tenth " + t);
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameWaits() {
        SplittableRandom a = new SplittableRandom(7);
        SplittableRandom b = new SplittableRandom(7);
        for (int retry = 1; retry <= 20; retry++) {
            assertEquals(POLICY.backoff(retry, a), POLICY.backoff(retry, b));
        }
    }

    @Test
    void clientsFailingTogetherDoNotRetryInStep() {
        // 1,000 agents whose gateway went away at the same instant: their first retries spread over
        // the whole first window instead of all landing at 100 ms
        SplittableRandom seeds = new SplittableRandom(1);
        int[] tenths = new int[10];
        long ceiling = POLICY.ceiling(1).toNanos();
        for (int node = 0; node < 1000; node++) {
            long w = POLICY.backoff(1, new SplittableRandom(seeds.nextLong())).toNanos();
            tenths[(int) Math.min(9, w * 10 / ceiling)]++;
        }
        for (int t = 0; t < 10; t++) {
            assertTrue(tenths[t] >= 60 && tenths[t] <= 140, "tenth " + t + " holds " + tenths[t] + " of 1000 retries");
        }
    }

    @Test
    void retriesWhatMayPassAndSleepsTheDrawnWaits() throws IOException {
        Recording failures = new Recording();
        List<Duration> slept = new ArrayList<>();
        AtomicInteger attempts = new AtomicInteger();
        String answer = POLICY.run(() -> {
            if (attempts.incrementAndGet() <= 3) {
                throw new Failure("503 SlowDown", true);
            }
            return "done";
        }, failures, new SplittableRandom(99), slept::add);
        assertEquals("done", answer);
        assertEquals(4, attempts.get());
        assertEquals(List.of(1, 2, 3), failures.retries);
        SplittableRandom same = new SplittableRandom(99);
        assertEquals(List.of(POLICY.backoff(1, same), POLICY.backoff(2, same), POLICY.backoff(3, same)), slept);
    }

    @Test
    void aFailureThatCannotPassIsThrownAtOnce() {
        Recording failures = new Recording();
        List<Duration> slept = new ArrayList<>();
        AtomicInteger attempts = new AtomicInteger();
        Failure refused = new Failure("403 AccessDenied", false);
        Failure thrown = assertThrows(Failure.class, () -> POLICY.run(() -> {
            attempts.incrementAndGet();
            throw refused;
        }, failures, new SplittableRandom(1), slept::add));
        assertSame(refused, thrown);
        assertEquals(1, attempts.get());
        assertTrue(slept.isEmpty());
        // unchecked failures the caller does not retry go through as they are
        IllegalStateException bug = new IllegalStateException("bug");
        assertSame(bug, assertThrows(IllegalStateException.class, () -> POLICY.run(() -> {
            throw bug;
        }, failures, new SplittableRandom(1), slept::add)));
    }

    @Test
    void theBudgetIsMaxAttemptsInAll() {
        Recording failures = new Recording();
        List<Duration> slept = new ArrayList<>();
        AtomicInteger attempts = new AtomicInteger();
        Failure last = new Failure("last", true);
        IOException e = assertThrows(IOException.class, () -> POLICY.run(() -> {
            throw attempts.incrementAndGet() == 6 ? last : new Failure("again", true);
        }, failures, new SplittableRandom(3), slept::add));
        assertEquals("gave up after 6", e.getMessage());
        assertSame(last, e.getCause());
        assertEquals(6, attempts.get());
        assertEquals(5, slept.size());
        for (int i = 0; i < 5; i++) {
            assertTrue(slept.get(i).compareTo(POLICY.ceiling(i + 1)) <= 0, i + ": " + slept.get(i));
        }
        // one attempt only: no wait at all
        attempts.set(0);
        slept.clear();
        assertThrows(IOException.class, () -> RetryPolicy.none().run(() -> {
            attempts.incrementAndGet();
            throw new Failure("again", true);
        }, failures, new SplittableRandom(3), slept::add));
        assertEquals(1, attempts.get());
        assertTrue(slept.isEmpty());
    }

    @Test
    void anInterruptWhileBackingOffEndsTheRetriesAndKeepsTheFlag() {
        Recording failures = new Recording();
        AtomicInteger attempts = new AtomicInteger();
        try {
            assertThrows(InterruptedIOException.class, () -> POLICY.run(() -> {
                attempts.incrementAndGet();
                throw new Failure("again", true);
            }, failures, new SplittableRandom(5), d -> {
                throw new InterruptedException();
            }));
            assertTrue(Thread.currentThread().isInterrupted());
            assertEquals(1, attempts.get());
        } finally {
            Thread.interrupted();
        }
        assertFalse(Thread.currentThread().isInterrupted());
    }

    @Test
    void refusesBudgetsThatMakeNoSense() {
        assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(101, Duration.ZERO, Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> new RetryPolicy(3, Duration.ofSeconds(2), Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(3, Duration.ofMillis(-1), Duration.ZERO));
    }
}
