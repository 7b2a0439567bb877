package io.imagegate.agent.nbd;

/** The errno values an NBD reply carries (the protocol fixes them independently of the host). */
public enum NbdError {
    EPERM(1),
    EIO(5),
    ENOMEM(12),
    EINVAL(22),
    ENOSPC(28),
    EOVERFLOW(75),
    ENOTSUP(95),
    ESHUTDOWN(108);

    public final int code;

    NbdError(int code) {
        this.code = code;
    }
}
