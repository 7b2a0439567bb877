package io.imagegate.chunk;

import java.io.IOException;
import java.time.Duration;

/**
 * The chunk store's backend did not answer, or kept answering "slow down" or a server error,
 * through the whole retry budget. Nothing was read or written; the request may be repeated
 * later, so the gateway answers 503 ServiceUnavailable with {@code Retry-After}.
 */
public class BackendUnavailableException extends IOException {

    private final Duration retryAfter;

    public BackendUnavailableException(String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.retryAfter = retryAfter;
    }

    /** How long a client should wait before trying again. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** {@link #retryAfter()} in whole seconds, at least 1: the value of a Retry-After header. */
    public long retryAfterSeconds() {
        return Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }
}
