package io.imagegate.chunk;

import java.io.IOException;
import java.util.List;

/**
 * The chunk layer as the gateway sees it: objects in, byte ranges out, manifests composed
 * without touching data. Holds the {@link ChunkStore} and the cache of manifest pages. The reading
 * half is {@link ChunkReader}; what writes packs (writers, concatenation, slices, edits) is here,
 * and in the gateway only its write path ({@code io.imagegate.gateway.write}) calls it, so that
 * every pack is written under a write's garbage-collection lease.
 */
public interface ChunkRepository extends ChunkReader, AutoCloseable {

    /** A writer for a new object cut into {@code chunkSize} chunks, deduplicated against {@code dedup}. */
    ObjectWriter newWriter(int chunkSize, DedupIndex dedup);

    /** Concatenates objects (multipart parts) by writing only new manifest pages; no data is read. */
    ManifestRoot concat(List<ManifestRoot> parts) throws IOException;

    /**
     * Bytes {@code [offset, offset + length)} of an object as a new object, sharing every chunk
     * the range covers whole; only partial chunks at the edges are read and written again.
     */
    ManifestRoot slice(ManifestRoot root, long offset, long length) throws IOException;

    /**
     * Starts a new version of {@code base} that puts chunks at given offsets and may change the size,
     * sharing every unchanged chunk and page with the base: the commit extension's write path.
     */
    ManifestEditor edit(ManifestRoot base);

    @Override
    void close() throws IOException;
}
