package io.imagegate.chunk;

import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/** All-zero chunks: detected on write, stored as references into {@link PackId#ZERO}, produced on read. */
final class ZeroChunks {

    private static final byte[] ZEROS = new byte[64 * 1024];
    /** Only power-of-two lengths are cached: nominal chunk sizes recur, tail lengths do not. */
    private static final ConcurrentHashMap<Integer, ChunkHash> HASHES = new ConcurrentHashMap<>();

    private ZeroChunks() {}

    static boolean isZero(byte[] b, int off, int len) {
        for (int done = 0; done < len; ) {
            int n = Math.min(ZEROS.length, len - done);
            if (Arrays.mismatch(b, off + done, off + done + n, ZEROS, 0, n) >= 0) {
                return false;
            }
            done += n;
        }
        return true;
    }

    static ChunkRef ref(int length) {
        return new ChunkRef(hash(length), PackId.ZERO, 0, length);
    }

    static ChunkHash hash(int length) {
        if (Integer.bitCount(length) == 1) {
            return HASHES.computeIfAbsent(length, ZeroChunks::compute);
        }
        return compute(length);
    }

    static void write(OutputStream out, long length) throws IOException {
        while (length > 0) {
            int n = (int) Math.min(ZEROS.length, length);
            out.write(ZEROS, 0, n);
            length -= n;
        }
    }

    private static ChunkHash compute(int length) {
        MessageDigest md = ChunkHash.newDigest();
        for (int done = 0; done < length; ) {
            int n = Math.min(ZEROS.length, length - done);
            md.update(ZEROS, 0, n);
            done += n;
        }
        return ChunkHash.of(md.digest());
    }
}
