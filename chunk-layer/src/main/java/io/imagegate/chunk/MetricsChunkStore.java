package io.imagegate.chunk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts what passes through it: reads and their bytes, failed reads, sealed packs and their
 * bytes, deletes, in plain counters the gateway exports as it likes. Put it on top of the stack;
 * when a {@link CachingChunkStore} is below, {@link #stats()} adds its hits, misses and backend
 * reads, so one call describes the whole stack.
 */
public final class MetricsChunkStore extends ForwardingChunkStore {

    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong readFailures = new AtomicLong();
    private final AtomicLong packsWritten = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicLong deletes = new AtomicLong();
    private final CachingChunkStore cache;

    public MetricsChunkStore(ChunkStore delegate) {
        super(delegate);
        this.cache = find(delegate, CachingChunkStore.class);
    }

    @Override
    public void read(PackId pack, long offset, ByteBuffer dst) throws IOException {
        int n = dst.remaining();
        reads.incrementAndGet();
        try {
            super.read(pack, offset, dst);
            bytesRead.addAndGet(n);
        } catch (IOException | RuntimeException e) {
            readFailures.incrementAndGet();
            throw e;
        }
    }

    @Override
    public PackOutput create(PackId id) throws IOException {
        PackOutput out = super.create(id);
        return new PackOutput() {
            @Override
            public void write(ByteBuffer src) throws IOException {
                out.write(src);
            }

            @Override
            public long position() {
                return out.position();
            }

            @Override
            public void seal() throws IOException {
                out.seal();
                packsWritten.incrementAndGet();
                bytesWritten.addAndGet(out.position());
            }

            @Override
            public void abort() {
                out.abort();
            }

            @Override
            public void close() {
                out.close();
            }
        };
    }

    @Override
    public void delete(PackId pack) throws IOException {
        super.delete(pack);
        deletes.incrementAndGet();
    }

    /** The counters now; with a cache below, its hits, misses and backend reads too. */
    public ChunkStoreStats stats() {
        long r = reads.get();
        long b = bytesRead.get();
        long failures = readFailures.get();
        if (cache == null) {
            return new ChunkStoreStats(r, b, failures, r, b, 0, 0, packsWritten.get(), bytesWritten.get(),
                    deletes.get());
        }
        CachingChunkStore.Stats c = cache.stats();
        return new ChunkStoreStats(r, b, failures, c.backendReads(), c.backendBytes(), c.hits(), c.misses(),
                packsWritten.get(), bytesWritten.get(), deletes.get());
    }
}
