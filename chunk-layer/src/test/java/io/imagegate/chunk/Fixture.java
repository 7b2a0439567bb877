package io.imagegate.chunk;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/** Helpers shared by the specifications: a real store in a temp directory and a repository over it. */
final class Fixture implements AutoCloseable {

    static final int CHUNK = 4096;

    final Path dir;
    final LocalChunkStore local;
    final CountingStore store;
    final DefaultChunkRepository repo;

    Fixture(Path dir, RepositoryConfig config) throws IOException {
        this.dir = dir;
        this.local = LocalChunkStore.open(dir);
        this.store = new CountingStore(local);
        this.repo = new DefaultChunkRepository(store, config);
    }

    Fixture(Path dir) throws IOException {
        this(dir, RepositoryConfig.defaults());
    }

    /** Another repository over this fixture's store; not to be closed, since that closes the store. */
    DefaultChunkRepository sharingStore(RepositoryConfig config) {
        return new DefaultChunkRepository(store, config);
    }

    static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    ManifestRoot write(byte[] data) throws IOException {
        return write(data, CHUNK, DedupIndex.NONE);
    }

    ManifestRoot write(byte[] data, int chunkSize, DedupIndex dedup) throws IOException {
        try (ObjectWriter w = repo.newWriter(chunkSize, dedup)) {
            w.write(data, 0, data.length);
            return w.finish();
        }
    }

    byte[] read(ManifestRoot root, long offset, long length) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        repo.read(root, offset, length, out);
        return out.toByteArray();
    }

    byte[] readAll(ManifestRoot root) throws IOException {
        return read(root, 0, root.size());
    }

    List<ChunkStore.PackInfo> packs() throws IOException {
        try (Stream<ChunkStore.PackInfo> s = local.list()) {
            return s.toList();
        }
    }

    long storedChunkBytes() throws IOException {
        long total = 0;
        for (ChunkStore.PackInfo p : packs()) {
            for (PackReader.PackEntry e : PackReader.readIndex(local, p)) {
                if (e.type() == PackReader.EntryType.CHUNK) {
                    total += e.length();
                }
            }
        }
        return total;
    }

    @Override
    public void close() throws IOException {
        repo.close();
    }

    /**
     * A real store that records the reads passing through it, the way the s3proxy-style decorators
     * wrap a store: tests use it to see which bytes a request touched.
     */
    static final class CountingStore implements ChunkStore {
        record Read(PackId pack, long offset, int length) {}

        private final ChunkStore inner;
        final List<Read> reads = new CopyOnWriteArrayList<>();

        CountingStore(ChunkStore inner) {
            this.inner = inner;
        }

        @Override
        public PackOutput create(PackId id) throws IOException {
            return inner.create(id);
        }

        @Override
        public void read(PackId pack, long offset, ByteBuffer dst) throws IOException {
            reads.add(new Read(pack, offset, dst.remaining()));
            inner.read(pack, offset, dst);
        }

        @Override
        public Stream<PackInfo> list() throws IOException {
            return inner.list();
        }

        @Override
        public void delete(PackId pack) throws IOException {
            inner.delete(pack);
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }

        List<Read> drain() {
            List<Read> r = new ArrayList<>(reads);
            reads.clear();
            return r;
        }
    }

    static <T> T unchecked(IOCall<T> call) {
        try {
            return call.call();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    interface IOCall<T> {
        T call() throws IOException;
    }
}
