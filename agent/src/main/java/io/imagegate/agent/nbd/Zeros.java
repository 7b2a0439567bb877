package io.imagegate.agent.nbd;

import java.nio.ByteBuffer;

/** Fills buffers with zeros from one shared zero buffer, without allocating. */
public final class Zeros {

    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

    private Zeros() {}

    /** Zeros the remaining bytes of {@code dst} and moves its position to its limit. */
    public static void fill(ByteBuffer dst) {
        while (dst.hasRemaining()) {
            dst.put(ZEROS.duplicate().limit(Math.min(ZEROS.capacity(), dst.remaining())));
        }
    }
}
