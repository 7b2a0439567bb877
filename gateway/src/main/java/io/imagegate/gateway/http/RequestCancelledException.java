package io.imagegate.gateway.http;

/**
 * The client of a request hung up while the gateway was still working on it, and the work stopped at
 * a checkpoint ({@link Call#checkpoint}): there is no one to answer. Unchecked, so that it passes
 * through the callbacks long loops run in; the request handler catches it before any other
 * {@link RuntimeException} and counts the request as cancelled.
 */
public final class RequestCancelledException extends RuntimeException {

    public RequestCancelledException(String where) {
        super("the client hung up; work stopped at " + where);
    }
}
