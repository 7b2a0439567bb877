package io.imagegate.chunk;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
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
     * The redirect record the garbage collector left when it rewrote {@code pack} elsewhere (see
     * {@link Redirect} and docs/FORMAT-chunks.md), or empty when there is none. Readers consult it
     * when the pack is gone.
     */
    default Optional<byte[]> readRedirect(PackId pack) throws IOException {
        return Optional.empty();
    }

    /**
     * Stores the redirect record of {@code pack} durably (fsync, or the backend's acknowledgment)
     * before returning. Redirect records are immutable: the collector writes one at most once per
     * pack. Only stores the collector runs on implement it.
     */
    default void writeRedirect(PackId pack, byte[] record) throws IOException {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no redirects");
    }

    /** Removes the redirect record of {@code pack}; removing one that is gone is not an error. */
    default void deleteRedirect(PackId pack) throws IOException {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no redirects");
    }

    /** The packs that have a redirect record, in no particular order. For the collector. */
    default Stream<PackId> listRedirects() throws IOException {
        return Stream.empty();
    }

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
