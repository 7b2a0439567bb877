package io.imagegate.chunk;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A read cache in front of a slow store (S3): byte ranges of packs in a bounded memory tier, plus
 * an optional bounded local-disk tier, so a hot image is read from the backend once however many
 * nodes boot it. Since packs are immutable, cached bytes never go stale.
 *
 * <p>A read served wholly by memory costs no I/O. Otherwise the bytes memory lacks (from the first
 * uncovered byte to the last) are fetched with one request, from the disk tier if it holds them
 * all, else from the backend, and cached in both tiers; nothing outside the request is read.
 * Concurrent reads that lack the same bytes share one fetch (single flight), so N nodes asking
 * for the same chunks at once cost one backend request. Failures are never cached.
 *
 * <p>This store cannot check bytes (it does not know chunk hashes); the repository above it does.
 * When a chunk fails verification the reader calls {@link #invalidate}, which drops every cached
 * range overlapping it from both tiers, and reads once more (see {@code VerifiedReads}): a bad
 * copy in the cache is thereby replaced from the backend, and a backend that keeps returning bad
 * bytes fails the read without leaving them cached.
 *
 * <p>The disk tier is a cache, not a store: it is emptied at start-up.
 */
public final class CachingChunkStore extends ForwardingChunkStore {

    private static final Logger log = LoggerFactory.getLogger(CachingChunkStore.class);

    private final ChunkCacheConfig config;
    private final CachedRanges<InMemory> memory;
    private final CachedRanges<OnDisk> disk;
    private final Path diskDir;
    private final AtomicLong fileSequence = new AtomicLong();
    private final ConcurrentHashMap<Flight, CompletableFuture<byte[]>> flights = new ConcurrentHashMap<>();

    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final AtomicLong diskHits = new AtomicLong();
    private final AtomicLong joined = new AtomicLong();
    private final AtomicLong passedThrough = new AtomicLong();
    private final AtomicLong backendReads = new AtomicLong();
    private final AtomicLong backendBytes = new AtomicLong();
    private final AtomicLong invalidated = new AtomicLong();

    public CachingChunkStore(ChunkStore backend, ChunkCacheConfig config) throws IOException {
        super(backend);
        this.config = config;
        this.memory = new CachedRanges<>(config.memoryBytes(), r -> { });
        if (config.diskDir() != null) {
            this.diskDir = config.diskDir();
            prepareDiskDir(diskDir);
            this.disk = new CachedRanges<>(config.diskBytes(), CachingChunkStore::deleteFile);
        } else {
            this.diskDir = null;
            this.disk = null;
        }
        log.info("chunk cache opened memoryBytes={} diskDir={} diskBytes={}", config.memoryBytes(), diskDir,
                config.diskBytes());
    }

    public CachingChunkStore(ChunkStore backend) throws IOException {
        this(backend, ChunkCacheConfig.defaults());
    }

    /** Bytes of a pack held in memory. */
    private static final class InMemory extends CachedRanges.Range {
        final byte[] data;
        final int dataOffset;

        InMemory(PackId pack, long offset, int length, byte[] data, int dataOffset) {
            super(pack, offset, length);
            this.data = data;
            this.dataOffset = dataOffset;
        }
    }

    /** Bytes of a pack held in a file of the disk tier. */
    private static final class OnDisk extends CachedRanges.Range {
        final Path file;

        OnDisk(PackId pack, long offset, int length, Path file) {
            super(pack, offset, length);
            this.file = file;
        }
    }

    private record Flight(PackId pack, long offset, int length) {}

    @Override
    public void read(PackId pack, long offset, ByteBuffer dst) throws IOException {
        int n = dst.remaining();
        if (n == 0) {
            return;
        }
        if (n > config.maxCachedReadBytes()) {
            passedThrough.incrementAndGet();
            backendRead(pack, offset, dst);
            return;
        }
        int start = dst.position();
        CachedRanges.Lookup<InMemory> found = memory.lookup(pack, offset, n);
        if (found.covered()) {
            hits.incrementAndGet();
        } else {
            misses.incrementAndGet();
            long from = found.missingFrom();
            int length = (int) (found.missingTo() - from);
            byte[] fetched = fetch(new Flight(pack, from, length));
            dst.put(start + (int) (from - offset), fetched, 0, length);
        }
        for (InMemory r : found.pieces()) {
            long from = Math.max(offset, r.offset);
            long to = Math.min(offset + n, r.end());
            dst.put(start + (int) (from - offset), r.data, r.dataOffset + (int) (from - r.offset), (int) (to - from));
        }
        dst.position(start + n);
    }

    /** The bytes of one flight: this thread fetches them, or waits for the thread already doing so. */
    private byte[] fetch(Flight f) throws IOException {
        CompletableFuture<byte[]> mine = new CompletableFuture<>();
        CompletableFuture<byte[]> running = flights.putIfAbsent(f, mine);
        if (running != null) {
            joined.incrementAndGet();
            return await(running);
        }
        try {
            byte[] b = load(f);
            mine.complete(b);
            return b;
        } catch (IOException | RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            flights.remove(f, mine);
        }
    }

    private byte[] load(Flight f) throws IOException {
        byte[] b = disk == null ? null : readDisk(f);
        if (b != null) {
            diskHits.incrementAndGet();
        } else {
            b = new byte[f.length()];
            backendRead(f.pack(), f.offset(), ByteBuffer.wrap(b));
            if (disk != null) {
                byte[] bytes = b;
                try {
                    disk.insert(f.pack(), f.offset(), f.length(), (from, len) ->
                            writeFile(f.pack(), from, len, bytes, (int) (from - f.offset())));
                } catch (IOException e) {
                    log.warn("disk cache write failed, range not cached on disk pack={} error={}", f.pack(), e.toString());
                }
            }
        }
        byte[] bytes = b;
        memory.insert(f.pack(), f.offset(), f.length(), (from, len) -> from == f.offset() && len == f.length()
                ? new InMemory(f.pack(), from, len, bytes, 0)
                : new InMemory(f.pack(), from, len, Arrays.copyOfRange(bytes, (int) (from - f.offset()),
                        (int) (from - f.offset()) + len), 0));
        return b;
    }

    private void backendRead(PackId pack, long offset, ByteBuffer dst) throws IOException {
        backendReads.incrementAndGet();
        backendBytes.addAndGet(dst.remaining());
        delegate().read(pack, offset, dst);
    }

    /** The flight's bytes if the disk tier holds all of them and they can be read, else null. */
    private byte[] readDisk(Flight f) {
        CachedRanges.Lookup<OnDisk> found = disk.lookup(f.pack(), f.offset(), f.length());
        if (!found.covered()) {
            return null;
        }
        byte[] b = new byte[f.length()];
        for (OnDisk r : found.pieces()) {
            long from = Math.max(f.offset(), r.offset);
            long to = Math.min(f.offset() + f.length(), r.end());
            ByteBuffer dst = ByteBuffer.wrap(b, (int) (from - f.offset()), (int) (to - from));
            try (FileChannel ch = FileChannel.open(r.file, StandardOpenOption.READ)) {
                long pos = from - r.offset;
                while (dst.hasRemaining()) {
                    int k = ch.read(dst, pos);
                    if (k < 0) {
                        throw new IOException("cache file shorter than its range: " + r.file);
                    }
                    pos += k;
                }
            } catch (IOException e) {
                if (!(e instanceof NoSuchFileException)) { // evicted meanwhile: an ordinary miss
                    log.warn("disk cache file unreadable, dropped file={} error={}", r.file, e.toString());
                }
                disk.remove(r);
                return null;
            }
        }
        return b;
    }

    private OnDisk writeFile(PackId pack, long from, int len, byte[] src, int srcOffset) throws IOException {
        Path file = diskDir.resolve(fileSequence.incrementAndGet() + ".range");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(src, srcOffset, len);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
        return new OnDisk(pack, from, len, file);
    }

    private static byte[] await(CompletableFuture<byte[]> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for another reader's fetch");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IOException(c);
        }
    }

    /** Drops every cached range overlapping these bytes, in both tiers, then passes the call on. */
    @Override
    public void invalidate(PackId pack, long offset, long length) {
        int dropped = memory.invalidate(pack, offset, length) + (disk == null ? 0 : disk.invalidate(pack, offset, length));
        invalidated.addAndGet(dropped);
        if (dropped > 0) {
            log.warn("cached pack bytes dropped after failing verification pack={} offset={} length={} ranges={}",
                    pack, offset, length, dropped);
        }
        super.invalidate(pack, offset, length);
    }

    @Override
    public void delete(PackId pack) throws IOException {
        memory.invalidate(pack);
        if (disk != null) {
            disk.invalidate(pack);
        }
        super.delete(pack);
    }

    /** What the cache did so far, and what it holds now. */
    public Stats stats() {
        return new Stats(hits.get(), misses.get(), diskHits.get(), joined.get(), passedThrough.get(),
                backendReads.get(), backendBytes.get(), invalidated.get(), memory.weight(),
                disk == null ? 0 : disk.weight());
    }

    /**
     * Cache counters. {@code hits}: reads served wholly from memory; {@code misses}: reads that
     * needed a fetch; {@code diskHits}: fetches the disk tier served; {@code joined}: misses that
     * waited for a concurrent fetch of the same bytes instead of making their own;
     * {@code passedThrough}: reads too large to cache; {@code backendReads}/{@code backendBytes}:
     * what reached the store below; {@code invalidated}: ranges dropped by {@link #invalidate};
     * {@code memoryBytes}/{@code diskBytes}: what each tier holds now, overhead included.
     */
    public record Stats(long hits, long misses, long diskHits, long joined, long passedThrough, long backendReads,
            long backendBytes, long invalidated, long memoryBytes, long diskBytes) {

        /** Hits over hits plus misses; 0 before any read. */
        public double hitRatio() {
            long total = hits + misses;
            return total == 0 ? 0 : (double) hits / total;
        }
    }

    @Override
    public void close() throws IOException {
        memory.clear();
        if (disk != null) {
            disk.clear();
        }
        super.close();
    }

    private static void prepareDiskDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (f.getFileName().toString().endsWith(".range")) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private static void deleteFile(OnDisk r) {
        try {
            Files.deleteIfExists(r.file);
        } catch (IOException e) {
            log.warn("disk cache file not deleted file={} error={}", r.file, e.toString());
        }
    }
}
