package io.imagegate.chunk;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * The reading half of the chunk layer ({@link ChunkRepository}): byte ranges, part ranges, chunk
 * lists and dedup indexes of stored objects. Nothing here writes a pack.
 */
public interface ChunkReader {

    /**
     * Streams bytes {@code [offset, offset + length)} of the object to {@code out}, reading only
     * the chunks that range covers and reading adjacent chunks of one pack with one read.
     */
    void read(ManifestRoot root, long offset, long length, OutputStream out) throws IOException;

    /**
     * The byte range of part {@code partNumber} (1-based) of an object made by
     * {@link ChunkRepository#concat} of {@code partCount} parts; empty when there is no such part.
     */
    Optional<ByteRange> partRange(ManifestRoot root, int partNumber) throws IOException;

    /**
     * How many parts an object made by {@link ChunkRepository#concat} has; empty when it is not such
     * an object. The default asks {@link #partRange} part by part; implementations answer from the top page.
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

    /** A dedup index over the chunks of these objects, loaded lazily on first lookup. */
    DedupIndex dedupIndex(List<ManifestRoot> bases);

    /** {@code length} bytes at {@code offset} of an object. */
    record ByteRange(long offset, long length) {}

    /** A chunk reference and the object offset where its bytes begin. */
    record ChunkAt(long offset, ChunkRef ref) {}
}
