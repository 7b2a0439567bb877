package io.imagegate.chunk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A store that passes every call to another: the base of the decorators (caching, metrics,
 * fault injection), which override only what they change. Closing it closes the delegate.
 */
public abstract class ForwardingChunkStore implements ChunkStore {

    private final ChunkStore delegate;

    protected ForwardingChunkStore(ChunkStore delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The store this one wraps. */
    public ChunkStore delegate() {
        return delegate;
    }

    @Override
    public PackOutput create(PackId id) throws IOException {
        return delegate.create(id);
    }

    @Override
    public void read(PackId pack, long offset, ByteBuffer dst) throws IOException {
        delegate.read(pack, offset, dst);
    }

    @Override
    public Stream<PackInfo> list() throws IOException {
        return delegate.list();
    }

    @Override
    public void delete(PackId pack) throws IOException {
        delegate.delete(pack);
    }

    @Override
    public Optional<byte[]> readRedirect(PackId pack) throws IOException {
        return delegate.readRedirect(pack);
    }

    @Override
    public void writeRedirect(PackId pack, byte[] record) throws IOException {
        delegate.writeRedirect(pack, record);
    }

    @Override
    public void deleteRedirect(PackId pack) throws IOException {
        delegate.deleteRedirect(pack);
    }

    @Override
    public Stream<PackId> listRedirects() throws IOException {
        return delegate.listRedirects();
    }

    @Override
    public void invalidate(PackId pack, long offset, long length) {
        delegate.invalidate(pack, offset, length);
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }

    /** The first store of type {@code type} in the chain starting at {@code store}, or null. */
    static <T extends ChunkStore> T find(ChunkStore store, Class<T> type) {
        for (ChunkStore s = store; s != null; s = s instanceof ForwardingChunkStore f ? f.delegate : null) {
            if (type.isInstance(s)) {
                return type.cast(s);
            }
        }
        return null;
    }
}
