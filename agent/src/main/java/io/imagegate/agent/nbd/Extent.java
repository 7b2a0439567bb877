package io.imagegate.agent.nbd;

/**
 * A run of bytes with one allocation state, as NBD's {@code base:allocation} context describes it:
 * {@link #HOLE} (nothing stored: reading it costs nothing) and {@link #ZERO} (reads as zeros).
 */
public record Extent(long length, int flags) {

    public static final int DATA = 0;
    public static final int HOLE = 1;
    public static final int ZERO = 2;
}
