package io.imagegate.chunk;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * The chunk layer as the gateway sees it: objects in, byte ranges out, manifests composed
 * without touching data. Holds the {@link ChunkStore} and the cache of manifest pages.
 */
public interface ChunkRepository extends AutoCloseable {

    /** A writer for a new object cut into {@code chunkSize} chunks, deduplicated against {@code dedup}. */
    ObjectWriter newWriter(int chunkSize, DedupIndex dedup);

    /**
     * Streams bytes {@code [offset, offset + length)} of the object to {@code out}, reading only
     * the chunks that range covers and reading adjacent chunks of one pack with one read.
     */
    void read(ManifestRoot root, long offset, long length, OutputStream out) throws IOException;

    /** Concatenates objects (multipart parts) by writing only new manifest pages; no data is read. */
    ManifestRoot concat(List<ManifestRoot> parts) throws IOException;

    /**
     * Bytes {@code [offset, offset + length)} of an object as a new object, sharing every chunk
     * the range covers whole; only partial chunks at the edges are read and written again.
     */
    ManifestRoot slice(ManifestRoot root, long offset, long length) throws IOException;

    /**
     * The byte range of part {@code partNumber} (1-based) of an object made by {@link #concat}
     * of {@code partCount} parts; empty when there is no such part.
     */
    Optional<ByteRange> partRange(ManifestRoot root, int partNumber) throws IOException;

    /**
     * How many parts an object made by {@link #concat} has; empty when it is not such an object.
     * The default asks {@link #partRange} part by part; implementations answer from the top page.
     */
    default OptionalInt partCount(ManifestRoot root) throws IOException {
        int n = 0;
        while (partRange(root, n + 1).isPresent()) {
            n++;
        }
        return n == 0 ? OptionalInt.empty() : OptionalInt.of(n);
    }

    /**
     * The object's chunks in order, with their offsets, starting with the chunk that holds byte
     * {@code fromOffset}; pages are read as the stream advances. Close the stream when done.
     */
    Stream<ChunkAt> chunks(ManifestRoot root, long fromOffset) throws IOException;

    /**
     * Starts a new version of {@code base} that puts chunks at given offsets and may change the size,
     * sharing every unchanged chunk and page with the base: the commit extension's write path.
     */
    ManifestEditor edit(ManifestRoot base);

    /** A dedup index over the chunks of these objects, loaded lazily on first lookup. */
    DedupIndex dedupIndex(List<ManifestRoot> bases);

    @Override
    void close() throws IOException;

    /** {@code length} bytes at {@code offset} of an object. */
    record ByteRange(long offset, long length) {}

    /** A chunk reference and the object offset where its bytes begin. */
    record ChunkAt(long offset, ChunkRef ref) {}
}
