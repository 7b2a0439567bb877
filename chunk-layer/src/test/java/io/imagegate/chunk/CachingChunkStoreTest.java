package io.imagegate.chunk;

import static io.imagegate.chunk.Fixture.CHUNK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The read cache in front of a store: what it serves, what it fetches, what it never keeps. */
class CachingChunkStoreTest {

    @TempDir
    Path dir;

    private LocalChunkStore local;
    private Fixture.CountingStore backend;
    private FaultInjectingChunkStore faults;

    @BeforeEach
    void open() throws IOException {
        local = LocalChunkStore.open(dir.resolve("store"));
        backend = new Fixture.CountingStore(local);
        faults = new FaultInjectingChunkStore(backend);
    }

    @AfterEach
    void close() throws IOException {
        faults.release();
        local.close();
    }

    private CachingChunkStore cache(ChunkCacheConfig config) throws IOException {
        return new CachingChunkStore(faults, config);
    }

    private PackId pack(byte[] data) throws IOException {
        PackId id = PackId.generate(Instant.now());
        try (ChunkStore.PackOutput out = local.create(id)) {
            out.write(ByteBuffer.wrap(data));
            out.seal();
        }
        return id;
    }

    private static byte[] read(ChunkStore s, PackId id, long offset, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        s.read(id, offset, b);
        assertEquals(n, b.position());
        return b.array();
    }

    private static byte[] slice(byte[] b, long from, int n) {
        return Arrays.copyOfRange(b, (int) from, (int) from + n);
    }

    @Test
    void repeatedReadsAreServedFromMemory() throws IOException {
        byte[] data = Fixture.random(1, 100_000);
        PackId id = pack(data);
        CachingChunkStore cache = cache(ChunkCacheConfig.defaults());
        for (int i = 0; i < 10; i++) {
            assertArrayEquals(slice(data, 1000, 5000), read(cache, id, 1000, 5000));
        }
        assertEquals(1, backend.drain().size());
        assertEquals(9, cache.stats().hits());
        assertEquals(1, cache.stats().misses());
    }

    @Test
    void aReadInsideACachedRangeIsAHit() throws IOException {
        byte[] data = Fixture.random(2, 10_000);
        PackId id = pack(data);
        CachingChunkStore cache = cache(ChunkCacheConfig.defaults());
        read(cache, id, 0, 8000);
        backend.drain();
        assertArrayEquals(slice(data, 100, 7000), read(cache, id, 100, 7000));
        assertArrayEquals(slice(data, 7999, 1), read(cache, id, 7999, 1));
        assertEquals(List.of(), backend.drain());
    }

    @Test
    void onlyTheBytesMemoryLacksAreFetched() throws IOException {
        byte[] data = Fixture.random(3, 10_000);
        PackId id = pack(data);
        CachingChunkStore cache = cache(ChunkCacheConfig.defaults());
        read(cache, id, 0, 100);
        read(cache, id, 200, 100);
        backend.drain();
        assertArrayEquals(slice(data, 50, 200), read(cache, id, 50, 200));
        assertEquals(List.of(new Fixture.CountingStore.Read(id, 100, 100)), backend.drain());
        assertArrayEquals(slice(data, 0, 400), read(cache, id, 0, 400));
        assertEquals(List.of(new Fixture.CountingStore.Read(id, 300, 100)), backend.drain());
        // a gap between two misses is fetched with them, in one request
        read(cache, id, 1000, 10);
        read(cache, id, 500, 1000);
        assertEquals(List.of(new Fixture.CountingStore.Read(id, 1000, 10), new Fixture.CountingStore.Read(id, 500, 1000)),
                backend.drain());
    }

    @Test
    void memoryStaysWithinItsBound() throws IOException {
        byte[] data = Fixture.random(4, 400_000);
        PackId id = pack(data);
        long bound = 64 * 1024;
        CachingChunkStore cache = cache(ChunkCacheConfig.defaults().withMemoryBytes(bound));
        for (int i = 0; i < 90; i++) {
            assertArrayEquals(slice(data, i * 4000L, 4000), read(cache, id, i * 4000L, 4000));
            assertTrue(cache.stats().memoryBytes() <= bound + 4000 + CachedRanges.OVERHEAD, cache.stats().toString());
        }
        backend.drain();
        read(cache, id, 0, 4000);
        assertEquals(1, backend.drain().size(), "the oldest range was evicted");
    }

    @Test
    void diskTierServesWhatMemoryEvicted() throws IOException {
        byte[] data = Fixture.random(5, 200_000);
        PackId id = pack(data);
        Path disk = dir.resolve("cache");
        CachingChunkStore cache = cache(ChunkCacheConfig.defaults().withMemoryBytes(10_000).withDisk(disk, 1 << 20));
        for (int i = 0; i < 40; i++) {
            read(cache, id, i * 5000L, 5000);
        }
        backend.drain();
        assertArrayEquals(slice(data, 0, 5000), read(cache, id, 0, 5000));
        assertArrayEquals(slice(data, 2500, 5000), read(cache, id, 2500, 5000));
        assertEquals(List.of(), backend.drain());
        assertTrue(cache.stats().diskHits() >= 1, cache.stats().toString());
        try (Stream<Path> files = Files.list(disk)) {
            assertTrue(files.count() >= 40);
        }
    }

    @Test
    void diskTierStaysWithinItsBoundAndStartsEmpty() throws IOException {
        byte[] data = Fixture.random(6, 200_000);
        PackId id = pack(data);
        Path disk = dir.resolve("cache");
        Files.createDirectories(disk);
        Files.write(disk.resolve("999.range"), new byte[10]);
        long bound = 50_000;
        CachingChunkStore cache = cache(ChunkCacheConfig.defaults().withMemoryBytes(10_000).withDisk(disk, bound));
        assertTrue(Files.notExists(disk.resolve("999.range")), "left over from an earlier run");
        for (int i = 0; i < 40; i++) {
            read(cache, id, i * 5000L, 5000);
        }
        assertTrue(cache.stats().diskBytes() <= bound + 5000 + CachedRanges.OVERHEAD, cache.stats().toString());
        long onDisk;
        try (Stream<Path> files = Files.list(disk)) {
            onDisk = files.mapToLong(f -> f.toFile().length()).sum();
        }
        assertTrue(onDisk <= bound + 5000, "evicted files are deleted: " + onDisk);
    }

    @Test
    void concurrentReadsOfTheSameBytesMakeOneBackendRequest() throws Exception {
        byte[] data = Fixture.random(7, 100_000);
        PackId id = pack(data);
        CachingChunkStore cache = cache(ChunkCacheConfig.defaults());
        int readers = 8;
        faults.holdReads();
        ExecutorService pool = Executors.newFixedThreadPool(readers);
        try {
            List<Future<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < readers; i++) {
                results.add(pool.submit(() -> read(cache, id, 4096, 50_000)));
            }
            await(() -> faults.heldReads() == 1 && cache.stats().joined() == readers - 1);
            faults.release();
            for (Future<byte[]> r : results) {
                assertArrayEquals(slice(data, 4096, 50_000), r.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, backend.drain().size());
        assertEquals(readers, cache.stats().misses());
    }

    @Test
    void aFailedFetchReachesEveryWaiterAndIsNotCached() throws Exception {
        byte[] data = Fixture.random(8, 10_000);
        PackId id = pack(data);
        CachingChunkStore cache = cache(ChunkCacheConfig.defaults());
        IOException injected = new BackendUnavailableException("down", java.time.Duration.ofSeconds(1), null);
        faults.failReads(1, () -> injected).holdReads();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit(() -> read(cache, id, 0, 1000)));
            }
            await(() -> faults.heldReads() == 1 && cache.stats().joined() == 3);
            faults.release();
            for (Future<byte[]> r : results) {
                Exception e = assertThrows(java.util.concurrent.ExecutionException.class, r::get);
                assertSame(injected, e.getCause());
            }
        } finally {
            pool.shutdownNow();
        }
        assertArrayEquals(slice(data, 0, 1000), read(cache, id, 0, 1000));
        assertEquals(1, backend.drain().size(), "the failure was not cached: this read went to the backend");
    }

    @Test
    void aCorruptCopyIsDroppedAndReadAgainFromTheBackend() throws IOException {
        CachingChunkStore cache = cache(ChunkCacheConfig.defaults());
        // memory off: each read checks what the cache hands back, which is what is being tested
        try (DefaultChunkRepository repo = new DefaultChunkRepository(cache,
                RepositoryConfig.defaults().withVerifiedMemorySeconds(0))) {
            byte[] data = Fixture.random(9, 16 * CHUNK);
            ManifestRoot root = write(repo, data);
            read(repo, root, 16 * CHUNK - 1, 1); // pages, and the last chunk: none of the range read below
            backend.drain();
            faults.corruptReads(1); // one bad response, say a flipped bit in transit (its first byte)
            assertArrayEquals(slice(data, 0, 8 * CHUNK), read(repo, root, 0, 8 * CHUNK));
            assertEquals(2, backend.drain().size(), "the bad copy was replaced by one more backend read");
            assertTrue(cache.stats().invalidated() >= 1);
            assertArrayEquals(slice(data, 0, 8 * CHUNK), read(repo, root, 0, 8 * CHUNK));
            assertEquals(List.of(), backend.drain(), "the good copy is cached");
        }
    }

    @Test
    void aBackendThatKeepsReturningBadBytesFailsTheReadAndLeavesNothingCached() throws IOException {
        CachingChunkStore cache = cache(ChunkCacheConfig.defaults());
        // memory off: each read checks what the cache hands back, which is what is being tested
        try (DefaultChunkRepository repo = new DefaultChunkRepository(cache,
                RepositoryConfig.defaults().withVerifiedMemorySeconds(0))) {
            byte[] data = Fixture.random(10, 16 * CHUNK);
            ManifestRoot root = write(repo, data);
            read(repo, root, 0, 1);
            faults.corruptReads(1000);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertThrows(CorruptChunkException.class, () -> repo.read(root, CHUNK, 4 * CHUNK, out));
            assertEquals(0, out.size());
            faults.corruptReads(0);
            backend.drain();
            assertArrayEquals(slice(data, CHUNK, 4 * CHUNK), read(repo, root, CHUNK, 4 * CHUNK));
            assertEquals(1, backend.drain().size(), "nothing of the bad bytes was left to serve");
        }
    }

    @Test
    void aDamagedDiskTierFileIsDetectedAndReplaced() throws IOException {
        Path disk = dir.resolve("cache");
        CachingChunkStore cache = cache(ChunkCacheConfig.defaults().withMemoryBytes(0).withDisk(disk, 1 << 20));
        try (DefaultChunkRepository repo = new DefaultChunkRepository(cache,
                RepositoryConfig.defaults().withPageCacheBytes(1 << 20).withVerifiedMemorySeconds(0))) {
            byte[] data = Fixture.random(11, 4 * CHUNK);
            ManifestRoot root = write(repo, data);
            read(repo, root, 0, 4 * CHUNK);
            try (Stream<Path> files = Files.list(disk)) {
                for (Path f : files.toList()) {
                    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                        ch.write(ByteBuffer.wrap(new byte[] {0x12, 0x34}), 100);
                    }
                }
            }
            backend.drain();
            assertArrayEquals(data, read(repo, root, 0, 4 * CHUNK));
            assertEquals(1, backend.drain().size());
            assertTrue(cache.stats().invalidated() >= 1);
        }
    }

    @Test
    void aDeletedPackIsNotServedFromTheCache() throws IOException {
        byte[] data = Fixture.random(12, 10_000);
        PackId id = pack(data);
        CachingChunkStore cache = cache(ChunkCacheConfig.defaults());
        read(cache, id, 0, 10_000);
        cache.delete(id);
        assertThrows(PackNotFoundException.class, () -> read(cache, id, 0, 100));
        assertEquals(0, cache.stats().memoryBytes());
    }

    @Test
    void largeReadsPassStraightThrough() throws IOException {
        byte[] data = Fixture.random(13, 10_000);
        PackId id = pack(data);
        CachingChunkStore cache = cache(ChunkCacheConfig.defaults().withMaxCachedReadBytes(1000));
        read(cache, id, 0, 5000);
        read(cache, id, 0, 5000);
        assertEquals(2, backend.drain().size());
        assertEquals(2, cache.stats().passedThrough());
        assertEquals(0, cache.stats().memoryBytes());
    }

    @Test
    void randomConcurrentReadsThroughSmallTiersAlwaysReturnTheStoredBytes() throws Exception {
        byte[][] data = {Fixture.random(14, 300_000), Fixture.random(15, 200_000)};
        PackId[] ids = {pack(data[0]), pack(data[1])};
        CachingChunkStore cache = cache(ChunkCacheConfig.defaults().withMemoryBytes(40_000)
                .withDisk(dir.resolve("cache"), 120_000));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long seed = t;
                done.add(pool.submit(() -> {
                    Random rnd = new Random(seed);
                    for (int i = 0; i < 400; i++) {
                        int p = rnd.nextInt(2);
                        int off = rnd.nextInt(data[p].length - 1);
                        int n = 1 + rnd.nextInt(Math.min(20_000, data[p].length - off));
                        assertArrayEquals(slice(data[p], off, n), read(cache, ids[p], off, n));
                    }
                    return 400;
                }));
            }
            for (Future<Integer> f : done) {
                assertEquals(400, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        CachingChunkStore.Stats s = cache.stats();
        assertEquals(1600, s.hits() + s.misses());
        assertTrue(s.memoryBytes() <= 40_000 + 20_000 + CachedRanges.OVERHEAD, s.toString());
    }

    private static ManifestRoot write(DefaultChunkRepository repo, byte[] data) throws IOException {
        try (ObjectWriter w = repo.newWriter(CHUNK, DedupIndex.NONE)) {
            w.write(data, 0, data.length);
            return w.finish();
        }
    }

    private static byte[] read(DefaultChunkRepository repo, ManifestRoot root, long offset, long length)
            throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        repo.read(root, offset, length, out);
        return out.toByteArray();
    }

    /** Waits (up to a generous bound) for a state other threads bring about; fails if it never comes. */
    static void await(BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 10_000 && !condition.getAsBoolean(); i++) {
            Thread.sleep(1);
        }
        assertTrue(condition.getAsBoolean(), "the expected state was not reached");
    }
}
