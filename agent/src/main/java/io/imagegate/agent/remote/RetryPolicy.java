package io.imagegate.agent.remote;

import java.time.Duration;

/**
 * How often and how patiently a failed fetch is repeated before the guest sees EIO: exponential
 * backoff from {@code initialBackoff}, doubled up to {@code maxBackoff}, {@code attempts} tries in all.
 */
public record RetryPolicy(int attempts, Duration initialBackoff, Duration maxBackoff) {

    public static RetryPolicy defaults() {
        return new RetryPolicy(6, Duration.ofMillis(100), Duration.ofSeconds(2));
    }

    public RetryPolicy {
        if (attempts < 1) {
            throw new IllegalArgumentException("at least one attempt");
        }
    }

    /** Runs {@code call} until it succeeds, fails with a non-retryable error, or the attempts are spent. */
    public <T> T run(Call<T> call, Runnable onRetry) throws RemoteException {
        long backoff = initialBackoff.toMillis();
        for (int attempt = 1; ; attempt++) {
            try {
                return call.run();
            } catch (RemoteException e) {
                if (!e.retryable() || attempt >= attempts) {
                    throw e;
                }
                onRetry.run();
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                backoff = Math.min(maxBackoff.toMillis(), backoff * 2);
            }
        }
    }

    /** One try of a remote call. */
    @FunctionalInterface
    public interface Call<T> {
        T run() throws RemoteException;
    }
}
