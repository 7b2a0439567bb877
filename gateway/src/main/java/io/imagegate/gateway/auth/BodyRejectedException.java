package io.imagegate.gateway.auth;

import io.imagegate.gateway.S3Exception;
import java.io.IOException;

/**
 * Thrown from a body stream when the body fails verification (hash, chunk signature, framing,
 * length). An IOException so it travels through any stream consumer, which must then abandon
 * the write; {@link #error()} is the S3 error to answer with.
 */
public final class BodyRejectedException extends IOException {

    private final S3Exception error;

    public BodyRejectedException(S3Exception error) {
        super(error.code().code() + ": " + error.getMessage(), error);
        this.error = error;
    }

    public S3Exception error() {
        return error;
    }
}
