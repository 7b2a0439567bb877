package io.imagegate.chunk;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads pack bytes and checks them against the hashes that name them. On a mismatch the bytes
 * are dropped from any cache in the store stack ({@link ChunkStore#invalidate}) and read once
 * more: a bad cached or in-flight copy heals, a bad stored copy fails with
 * {@link CorruptChunkException}, and in both cases no cache keeps the bad bytes.
 */
final class VerifiedReads {

    private VerifiedReads() {}

    /** What checks the bytes just read; throws when any of them does not match its hash. */
    interface Check {
        void run() throws CorruptChunkException;
    }

    /** Fills {@code buf[0, n)} from {@code pack} at {@code offset}, then runs {@code check}. */
    static void read(ChunkStore store, PackId pack, long offset, byte[] buf, int n, Check check) throws IOException {
        for (int attempt = 0; ; attempt++) {
            store.read(pack, offset, ByteBuffer.wrap(buf, 0, n));
            try {
                check.run();
                return;
            } catch (CorruptChunkException e) {
                store.invalidate(pack, offset, n);
                if (attempt > 0) {
                    throw e;
                }
            }
        }
    }
}
