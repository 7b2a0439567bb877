package io.imagegate.s3compat.history;

/**
 * One operation of a history: who issued it ({@code process}, a client thread) through which
 * gateway, what it asked, what it was told, and when it was invoked and when its answer came
 * (nanoseconds on the recorder's monotonic clock). An operation whose answer is
 * {@link Response.Unknown} may take effect at any time after {@code invoked}.
 */
public record Op(int id, int process, int gateway, long invoked, long completed, Request request, Response response) {

    public Op {
        if (completed < invoked) {
            throw new IllegalArgumentException("operation " + id + " completed before it was invoked");
        }
    }

    /** The answer says nothing about whether it took effect. */
    public boolean unknown() {
        return response instanceof Response.Unknown;
    }

    /** A definite refusal: nothing changed. */
    public boolean rejected() {
        return response instanceof Response.Rejected;
    }

    /** Answered successfully, with outputs. */
    public boolean ok() {
        return !unknown() && !rejected();
    }

    /** Latest time at which it may take effect: its completion when answered, else never known. */
    public long effectEnd() {
        return unknown() ? Long.MAX_VALUE : completed;
    }

    @Override
    public String toString() {
        return "#" + id + " p" + process + "/g" + gateway + " [" + invoked / 1000 + "us.." + completed / 1000 + "us] "
                + request + " -> " + response;
    }
}
