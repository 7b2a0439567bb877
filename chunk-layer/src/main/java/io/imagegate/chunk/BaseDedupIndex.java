package io.imagegate.chunk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The dedup index over base objects: on the first lookup it walks their manifests once and keeps
 * every chunk and page reference in a compact {@link ChunkTable}. Pages are included so an upload
 * whose content matches the base reuses the base's pages too and writes no pack at all.
 */
final class BaseDedupIndex implements DedupIndex {

    private final DefaultChunkRepository repository;
    private final List<ManifestRoot> bases;
    private final int maxEntries;
    private final ReentrantLock loading = new ReentrantLock();
    private volatile ChunkTable table;

    BaseDedupIndex(DefaultChunkRepository repository, List<ManifestRoot> bases, int maxEntries) {
        this.repository = repository;
        this.bases = List.copyOf(bases);
        this.maxEntries = maxEntries;
    }

    /** @throws UncheckedIOException when a base manifest cannot be read */
    @Override
    public Optional<ChunkRef> find(ChunkHash hash) {
        ChunkTable t = table;
        if (t == null) {
            t = load();
        }
        return Optional.ofNullable(t.get(hash));
    }

    private ChunkTable load() {
        loading.lock();
        try {
            if (table == null) {
                table = build();
            }
            return table;
        } catch (IOException e) {
            throw new UncheckedIOException("reading the manifests of dedup bases failed", e);
        } finally {
            loading.unlock();
        }
    }

    private ChunkTable build() throws IOException {
        long expected = 0;
        for (ManifestRoot base : bases) {
            expected += base.size() / Math.max(1, base.chunkSize()) + 1;
        }
        // sized for the common case up front; a base of many short chunks still grows it
        ChunkTable t = new ChunkTable((int) Math.min(expected, 1 << 20), maxEntries);
        for (ManifestRoot base : bases) {
            repository.walk(base, t::putIfAbsent, t::putIfAbsent);
        }
        return t;
    }
}
