package io.imagegate.agent.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.chunk.retry.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The agent's remote calls under the shared full-jitter policy, with a seeded random and a recording
 * sleeper (nothing sleeps, no clock is read). Before it the agent waited 100, 200, 400, 800, 1600 ms
 * on every node alike.
 */
class RetriesTest {

    @Test
    void theAgentsBudgetIsTheSharedPolicyWithItsOwnCap() {
        RetryPolicy p = Retries.defaults();
        assertEquals(6, p.maxAttempts());
        List<Long> ceilings = new ArrayList<>();
        for (int retry = 1; retry <= 5; retry++) {
            ceilings.add(p.ceiling(retry).toMillis());
        }
        assertEquals(List.of(100L, 200L, 400L, 800L, 1600L), ceilings);
        assertEquals(Duration.ofSeconds(2), p.ceiling(6));
    }

    @Test
    void retryableFailuresAreRetriedWithJitteredWaits() throws RemoteException {
        RetryPolicy p = Retries.defaults();
        List<Duration> slept = new ArrayList<>();
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger counted = new AtomicInteger();
        byte[] answer = Retries.run(p, () -> {
            int n = attempts.incrementAndGet();
            if (n == 1) {
                throw RemoteException.network("GET s3://b/k: connection reset", null);
            }
            if (n <= 3) {
                throw RemoteException.of(503, "SlowDown", "GET s3://b/k: 503 SlowDown");
            }
            return new byte[] {1, 2, 3};
        }, counted::incrementAndGet, new SplittableRandom(2026), slept::add);
        assertEquals(3, answer.length);
        assertEquals(4, attempts.get());
        assertEquals(3, counted.get());
        SplittableRandom same = new SplittableRandom(2026);
        assertEquals(List.of(p.backoff(1, same), p.backoff(2, same), p.backoff(3, same)), slept);
        // jittered: not the fixed 100, 200, 400 ms of before
        assertTrue(!slept.equals(List.of(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400))));
    }

    @Test
    void aRefusalFailsAtOnceAndTheLastFailureEndsTheBudget() {
        RetryPolicy p = new RetryPolicy(3, Duration.ofMillis(20), Duration.ofMillis(100));
        List<Duration> slept = new ArrayList<>();
        AtomicInteger attempts = new AtomicInteger();
        RemoteException denied = RemoteException.of(403, "AccessDenied", "GET s3://b/k: 403 AccessDenied");
        assertSame(denied, assertThrows(RemoteException.class, () -> Retries.run(p, () -> {
            attempts.incrementAndGet();
            throw denied;
        }, () -> {}, new SplittableRandom(1), slept::add)));
        assertEquals(1, attempts.get());
        assertTrue(slept.isEmpty());

        attempts.set(0);
        List<RemoteException> thrown = new ArrayList<>();
        RemoteException last = assertThrows(RemoteException.class, () -> Retries.run(p, () -> {
            attempts.incrementAndGet();
            RemoteException e = RemoteException.of(500, "InternalError", "attempt " + attempts.get());
            thrown.add(e);
            throw e;
        }, () -> {}, new SplittableRandom(1), slept::add));
        assertEquals(3, attempts.get());
        assertSame(thrown.getLast(), last);
        assertEquals(2, slept.size());
        slept.forEach(d -> assertTrue(d.compareTo(Duration.ofMillis(40)) <= 0, d.toString()));
    }
}
