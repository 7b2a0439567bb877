package io.imagegate.chunk;

import java.nio.ByteBuffer;

/**
 * Where a chunk's bytes live: {@code length} bytes at {@code offset} of pack {@code pack},
 * whose SHA-256 is {@code hash}. A reference into {@link PackId#ZERO} is a run of zeros.
 */
public record ChunkRef(ChunkHash hash, PackId pack, long offset, int length) {

    /** Encoded size in a manifest leaf page: hash, pack, offset, length. */
    public static final int BYTES = ChunkHash.BYTES + PackId.BYTES + 8 + 4;

    public ChunkRef {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative offset or length: " + offset + ", " + length);
        }
    }

    public static ChunkRef read(ByteBuffer src) {
        return new ChunkRef(ChunkHash.read(src), PackId.read(src), src.getLong(), src.getInt());
    }

    public void write(ByteBuffer dst) {
        hash.write(dst);
        pack.write(dst);
        dst.putLong(offset).putInt(length);
    }

    public boolean isZero() {
        return pack.isZero();
    }

    /**
     * True when {@code next} follows this one in the same pack with at most
     * {@link #MAX_ADJOINING_GAP} bytes between them: one read serves both (the reader skips the
     * bytes between, entry headers and the manifest pages a writer stores among its chunks).
     */
    public boolean adjoins(ChunkRef next) {
        long gap = next.offset - (offset + length);
        return !isZero() && pack.equals(next.pack) && gap >= 0 && gap <= MAX_ADJOINING_GAP;
    }

    /**
     * Bytes a reader may read through and drop between two chunks of one pack: the next entry's
     * header, or the few small manifest pages (about 2 KiB each at 32 references a page) that a
     * writer puts between two chunks when pages fill. At most 16 KiB per run of chunks, under 1%
     * of a 2 MiB stretch of 64 KiB chunks, against a second read.
     */
    public static final int MAX_ADJOINING_GAP = 16 * 1024;
}
