package io.imagegate.agent.remote;

import java.io.IOException;

/**
 * A failed call to the object store, classified once: {@code retryable} for network failures,
 * 5xx, throttling and truncated bodies; not for answers that will not change (403, 404, 412, 416...).
 */
public final class RemoteException extends IOException {

    private final int status;
    private final String code;
    private final boolean retryable;

    public RemoteException(int status, String code, String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.code = code;
        this.retryable = retryable;
    }

    public static RemoteException of(int status, String code, String message) {
        return new RemoteException(status, code, message, status >= 500 || status == 429 || status == 408, null);
    }

    public static RemoteException network(String message, Throwable cause) {
        return new RemoteException(0, null, message, true, cause);
    }

    /** HTTP status, or 0 when no answer came. */
    public int status() {
        return status;
    }

    /** The S3 error code, when the store sent one. */
    public String code() {
        return code;
    }

    public boolean retryable() {
        return retryable;
    }
}
