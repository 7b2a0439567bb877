package io.imagegate.agent.nbd;

/** A request a {@link BlockDevice} refused or failed: answered with its errno, the connection stays up. */
public final class NbdException extends Exception {

    private final NbdError error;

    public NbdException(NbdError error, String message) {
        super(message);
        this.error = error;
    }

    public NbdException(NbdError error, String message, Throwable cause) {
        super(message, cause);
        this.error = error;
    }

    public NbdError error() {
        return error;
    }
}
