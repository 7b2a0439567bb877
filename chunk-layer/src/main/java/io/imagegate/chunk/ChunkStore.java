package io.imagegate.chunk;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.stream.Stream;

/**
 * Where packs live: a local directory, or any S3 service. A store knows packs as immutable byte
 * strings and nothing of chunks or manifests; decorators (caching, metrics, fault injection) wrap
 * it, composed at start-up.
 */
public interface ChunkStore extends Closeable {

    /** Starts writing a new pack. Nothing is visible to readers or listings until it is sealed. */
    PackOutput create(PackId id) throws IOException;

    /**
     * Fills {@code dst} (all its remaining bytes) from the sealed pack starting at {@code offset}.
     *
     * @throws java.io.FileNotFoundException (or a subclass of IOException naming the pack) when
     *     the pack does not exist
     */
    void read(PackId pack, long offset, ByteBuffer dst) throws IOException;

    /** Every sealed pack with its size, in no particular order. For the collector and reports. */
    Stream<PackInfo> list() throws IOException;

    /** Removes a sealed pack; deleting a pack that is already gone is not an error. */
    void delete(PackId pack) throws IOException;

    /**
     * Forgets any copy of these pack bytes that a caching layer holds, so the next read of them
     * goes to the backend. Readers call it when bytes fail verification; stores without a cache
     * ignore it and decorators pass it on.
     */
    default void invalidate(PackId pack, long offset, long length) {
    }

    /** A sealed pack and its size in bytes. */
    record PackInfo(PackId id, long size) {}

    /** A pack being written: sequential appends, then seal (durable, then visible) or abort. */
    interface PackOutput extends Closeable {

        /** Appends all remaining bytes of {@code src}. */
        void write(ByteBuffer src) throws IOException;

        /** Bytes written so far. */
        long position();

        /** Makes the pack durable (fsync or the backend's acknowledgment), then visible. */
        void seal() throws IOException;

        /** Discards what was written; the pack never becomes visible. */
        void abort();

        /** Aborts unless sealed. */
        @Override
        void close();
    }
}
