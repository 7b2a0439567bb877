package io.imagegate.chunk;

import java.io.IOException;

/**
 * Writes one object (or one multipart part) into the store: cuts the byte stream into fixed
 * chunks, names each by SHA-256, skips chunks its {@link DedupIndex} or this upload already
 * holds, appends the rest to packs of its own, then writes the manifest pages. One writer per
 * upload, used by one thread.
 */
public interface ObjectWriter extends AutoCloseable {

    void write(byte[] buf, int off, int len) throws IOException;

    /**
     * Seals every pack this writer wrote (one fsync each) after writing the manifest pages, and
     * returns the root. Nothing refers to the new chunks before this returns.
     */
    ManifestRoot finish() throws IOException;

    /** Bytes received, bytes stored new, bytes found already stored. Valid after finish. */
    WriteStats stats();

    /** Abandons the upload; packs written so far never become visible (or become garbage). */
    void abort();

    /** Aborts unless finished. */
    @Override
    void close();

    record WriteStats(long logicalBytes, long storedBytes, long dedupedBytes, long chunks) {}
}
