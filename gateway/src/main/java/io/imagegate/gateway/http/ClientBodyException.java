package io.imagegate.gateway.http;

import io.imagegate.gateway.S3Exception;
import java.io.IOException;

/**
 * Reading the request body failed on the client's side (it went away, stalled, sent too much or
 * failed verification): an S3 error for the client, never a storage failure.
 */
public final class ClientBodyException extends IOException {

    private final transient S3Exception error;

    public ClientBodyException(S3Exception error, Throwable cause) {
        super(error.getMessage(), cause);
        this.error = error;
    }

    public S3Exception error() {
        return error;
    }
}
