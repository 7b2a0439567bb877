package io.imagegate.agent.remote;

import io.imagegate.chunk.retry.RetryPolicy;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * The agent's remote calls under the project's one {@link RetryPolicy} (full jitter, shared with the
 * chunk layer's S3 store): a {@link RemoteException} marked retryable is tried again, anything else
 * fails at once, and once the attempts are spent the last failure is what the caller (and, through
 * EIO, the guest) sees. The jitter matters most here: the agent runs on many nodes at once, and a
 * gateway that restarts would otherwise be met by every node's retries in step.
 */
public final class Retries {

    private Retries() {}

    /**
     * The agent's budget: six attempts, each wait up to 100 ms doubled to at most 2 s (about 3 s of
     * waiting in the worst case, 1.5 s on average) before a guest read fails with EIO.
     */
    public static RetryPolicy defaults() {
        return new RetryPolicy(6, Duration.ofMillis(100), Duration.ofSeconds(2));
    }

    /** One try of a remote call. */
    @FunctionalInterface
    public interface Call<T> {
        T run() throws RemoteException;
    }

    /** Runs {@code call} under {@code policy}; {@code onRetry} is called before each retry (for counters). */
    public static <T> T run(RetryPolicy policy, Call<T> call, Runnable onRetry) throws RemoteException {
        return policy.run(call::run, failures(onRetry));
    }

    /** As {@link #run(RetryPolicy, Call, Runnable)}, with the waits drawn from {@code random} and slept by {@code sleeper}. */
    static <T> T run(RetryPolicy policy, Call<T> call, Runnable onRetry, RandomGenerator random,
                     RetryPolicy.Sleeper sleeper) throws RemoteException {
        return policy.run(call::run, failures(onRetry), random, sleeper);
    }

    private static RetryPolicy.Failures<RemoteException> failures(Runnable onRetry) {
        return new RetryPolicy.Failures<>() {
            @Override
            public void classify(Exception failure) throws RemoteException {
                if (failure instanceof RemoteException r) {
                    if (r.retryable()) {
                        return;
                    }
                    throw r;
                }
                if (failure instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException(failure); // a Call throws nothing else checked
            }

            @Override
            public RemoteException exhausted(Exception last, int attempts) {
                return (RemoteException) last;
            }

            @Override
            public RemoteException interrupted(Exception last) {
                return (RemoteException) last;
            }

            @Override
            public void retrying(Exception failure, int retry, Duration wait) {
                onRetry.run();
            }
        };
    }
}
