package io.imagegate.chunk;

import java.io.IOException;

/**
 * Makes a new version of an object from a base version: some chunks put at given offsets, the size
 * cut or extended with zeros, everything else shared with the base by reference. Only the leaf pages
 * that hold a replaced chunk (or the new end), and the pages above them, are written; every other
 * page of the base is named as it is, so an edit costs pages in proportion to what it changes, not
 * to the object's size. New chunk bytes go to packs of the edit's own (one per
 * {@code RepositoryConfig.maxPackBytes}). How the tree is rebuilt: docs/FORMAT-chunks.md, section 4a.
 * One editor per commit, used by one thread.
 */
public interface ManifestEditor extends AutoCloseable {

    /** The reference of a run of {@code length} zero bytes, which is stored nowhere. */
    static ChunkRef zeroChunk(int length) {
        if (length <= 0 || length > ManifestRoot.MAX_CHUNK_SIZE) {
            throw new IllegalArgumentException("a chunk has 1 byte to 4 MiB: " + length);
        }
        return ZeroChunks.ref(length);
    }

    ManifestRoot base();

    /**
     * Stores one chunk for this edit and returns its reference, named by the SHA-256 computed here
     * (a caller compares it with the hash it was promised). All-zero bytes become a zero reference;
     * a chunk this edit already stored is not stored twice. Valid once {@link #finish} returns.
     */
    ChunkRef store(byte[] b, int off, int len) throws IOException;

    /**
     * Puts {@code chunk} at {@code offset} of the new version, replacing the bytes there. Calls come
     * in ascending order of offset and do not overlap; a chunk may lie past the base's end.
     *
     * @throws IllegalArgumentException when out of order or overlapping the previous one
     */
    void replace(long offset, ChunkRef chunk);

    /**
     * Writes the new manifest: the base cut at, or extended with zeros to, {@code size}, with every
     * replacement in place; then seals the packs. Every replacement must end at or before
     * {@code size}. Nothing refers to the new chunks and pages before this returns.
     */
    ManifestRoot finish(long size) throws IOException;

    /** What the edit stored, rewrote and reused; complete after {@link #finish}. */
    EditStats stats();

    /** Abandons the edit; its packs never become visible (or become garbage). */
    void abort();

    /** Aborts unless finished. */
    @Override
    void close();

    /**
     * @param storedChunks   chunks {@link #store} wrote (zero runs and repeats not counted)
     * @param storedBytes    their bytes
     * @param rewrittenBytes bytes of base chunks that a replacement or the new end covered only in
     *                       part: the rest was read and stored again as a chunk of its own
     * @param pagesWritten   manifest pages written
     * @param pagesReused    base pages named as they are, each counted once at the top of what it shares
     */
    record EditStats(long storedChunks, long storedBytes, long rewrittenBytes, long pagesWritten, long pagesReused) {}
}
