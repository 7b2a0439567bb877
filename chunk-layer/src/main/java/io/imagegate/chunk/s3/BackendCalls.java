package io.imagegate.chunk.s3;

import io.imagegate.chunk.BackendUnavailableException;
import io.imagegate.chunk.retry.RetryPolicy;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * Runs one S3 request with the store's retry policy: failures that may pass (throttling, server
 * errors, timeouts, broken connections, including those met while reading a response body) are
 * retried with the shared full-jitter backoff ({@link RetryPolicy}); when the budget is spent the request fails with
 * {@link BackendUnavailableException}. Anything else fails at once as an IOException.
 */
final class BackendCalls {

    private static final Logger log = LoggerFactory.getLogger(BackendCalls.class);

    private static final Set<String> RETRYABLE_CODES = Set.of("SlowDown", "InternalError", "ServiceUnavailable",
            "RequestTimeout", "RequestTimeTooSkewed", "Throttling", "ThrottlingException", "TooManyRequests");

    private final RetryPolicy policy;
    private final String target;
    final AtomicLong attempts = new AtomicLong();
    final AtomicLong retries = new AtomicLong();
    final AtomicLong exhausted = new AtomicLong();

    BackendCalls(RetryPolicy policy, String target) {
        this.policy = policy;
        this.target = target;
    }

    /** One attempt of a request; may throw SDK exceptions and IOExceptions. */
    interface Attempt<T> {
        T run() throws IOException;
    }

    /** A failure that retrying cannot fix, raised by an attempt: thrown as it is. */
    static final class Permanent extends RuntimeException {
        final IOException error;

        Permanent(IOException error) {
            super(error.getMessage(), error, false, false);
            this.error = error;
        }
    }

    <T> T call(String operation, Attempt<T> attempt) throws IOException {
        return policy.run(() -> {
            attempts.incrementAndGet();
            return attempt.run();
        }, new RetryPolicy.Failures<IOException>() {
            @Override
            public void classify(Exception failure) throws IOException {
                if (failure instanceof Permanent p) {
                    throw p.error;
                }
                BackendCalls.classify(operation, failure instanceof UncheckedIOException u ? u.getCause() : failure);
            }

            @Override
            public IOException exhausted(Exception last, int n) {
                Throwable cause = cause(last);
                exhausted.incrementAndGet();
                log.warn("s3 backend unavailable op={} target={} attempts={} error={}", operation, target, n, describe(cause));
                return new BackendUnavailableException("S3 " + operation + " on " + target + " failed " + n
                        + " times, last: " + describe(cause), policy.maxDelay(), cause);
            }

            @Override
            public IOException interrupted(Exception last) {
                InterruptedIOException i = new InterruptedIOException("interrupted while backing off");
                i.initCause(cause(last));
                return i;
            }

            @Override
            public void retrying(Exception failure, int retry, Duration wait) {
                retries.incrementAndGet();
                log.debug("s3 retry op={} attempt={} waitMs={} error={}", operation, retry, wait.toMillis(),
                        describe(cause(failure)));
            }
        });
    }

    private static Throwable cause(Exception e) {
        return e instanceof UncheckedIOException u ? u.getCause() : e;
    }

    /** Returns when {@code e} may pass on a retry; throws what the caller should see otherwise. */
    private static void classify(String operation, Throwable e) throws IOException {
        if (e instanceof SdkServiceException s) {
            if (isRetryable(s)) {
                return;
            }
            throw new IOException("S3 " + operation + " refused: " + describe(s), s);
        }
        if (e instanceof AbortedException || e.getCause() instanceof InterruptedException
                || Thread.currentThread().isInterrupted()) {
            InterruptedIOException i = new InterruptedIOException("S3 " + operation + " interrupted");
            i.initCause(e);
            throw i;
        }
        if (e instanceof SdkClientException) {
            return; // connect failures, timeouts, broken connections
        }
        if (e instanceof FileNotFoundException f) {
            throw f;
        }
        if (e instanceof InterruptedIOException && !(e instanceof java.net.SocketTimeoutException)) {
            throw (InterruptedIOException) e;
        }
        if (e instanceof IOException) {
            return; // the response body broke off: reset, truncated, timed out
        }
        if (e instanceof RuntimeException r) {
            throw r;
        }
        throw new IOException(e);
    }

    static boolean isRetryable(SdkServiceException s) {
        int status = s.statusCode();
        if (status == 500 || status == 502 || status == 503 || status == 504 || status == 429) {
            return true;
        }
        return s instanceof software.amazon.awssdk.awscore.exception.AwsServiceException a
                && a.awsErrorDetails() != null && a.awsErrorDetails().errorCode() != null
                && RETRYABLE_CODES.contains(a.awsErrorDetails().errorCode());
    }

    static String describe(Throwable e) {
        if (e instanceof software.amazon.awssdk.awscore.exception.AwsServiceException a && a.awsErrorDetails() != null
                && a.awsErrorDetails().errorCode() != null) {
            return a.awsErrorDetails().errorCode() + " (" + a.statusCode() + ")";
        }
        if (e instanceof SdkServiceException s) {
            return "HTTP " + s.statusCode();
        }
        return e == null ? "none" : e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
