package io.imagegate.chunk;

import static io.imagegate.chunk.Fixture.CHUNK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DedupTest {

    @TempDir
    Path dir;

    private Fixture f;

    @BeforeEach
    void open() throws IOException {
        f = new Fixture(dir, RepositoryConfig.defaults().withPageEntries(16));
    }

    @AfterEach
    void close() throws IOException {
        f.close();
    }

    private ObjectWriter.WriteStats writeWithStats(byte[] data, DedupIndex dedup, ManifestRoot[] rootOut) throws IOException {
        try (ObjectWriter w = f.repo.newWriter(CHUNK, dedup)) {
            w.write(data, 0, data.length);
            rootOut[0] = w.finish();
            return w.stats();
        }
    }

    @Test
    void modifiedCopyStoresOnlyTheChunksThatChanged() throws IOException {
        byte[] base = Fixture.random(1, 100 * CHUNK);
        ManifestRoot baseRoot = f.write(base);
        long before = f.storedChunkBytes();

        byte[] copy = base.clone();
        copy[5 * CHUNK + 7] ^= 1;
        copy[60 * CHUNK] ^= 1;
        copy[60 * CHUNK + 1] ^= 1;
        ManifestRoot[] root = new ManifestRoot[1];
        ObjectWriter.WriteStats stats = writeWithStats(copy, f.repo.dedupIndex(List.of(baseRoot)), root);

        assertEquals(2L * CHUNK, stats.storedBytes());
        assertEquals(98L * CHUNK, stats.dedupedBytes());
        assertEquals(copy.length, stats.logicalBytes());
        assertEquals(before + 2L * CHUNK, f.storedChunkBytes());
        assertArrayEquals(copy, f.readAll(root[0]));
        assertArrayEquals(base, f.readAll(baseRoot));
    }

    @Test
    void identicalCopyWritesNoPackAtAll() throws IOException {
        byte[] base = Fixture.random(2, 100 * CHUNK + 5);
        ManifestRoot baseRoot = f.write(base);
        int packs = f.packs().size();
        ManifestRoot[] root = new ManifestRoot[1];
        ObjectWriter.WriteStats stats = writeWithStats(base, f.repo.dedupIndex(List.of(baseRoot)), root);
        assertEquals(0, stats.storedBytes());
        assertEquals(packs, f.packs().size(), "its pages match the base's pages too");
        assertEquals(baseRoot, root[0]);
    }

    @Test
    void chunksRepeatedWithinOneUploadAreStoredOnce() throws IOException {
        byte[] block = Fixture.random(3, CHUNK);
        byte[] data = new byte[30 * CHUNK];
        for (int i = 0; i < 30; i++) {
            System.arraycopy(block, 0, data, i * CHUNK, CHUNK);
        }
        ManifestRoot[] root = new ManifestRoot[1];
        ObjectWriter.WriteStats stats = writeWithStats(data, DedupIndex.NONE, root);
        assertEquals(CHUNK, stats.storedBytes());
        assertEquals(29L * CHUNK, stats.dedupedBytes());
        assertEquals(CHUNK, f.storedChunkBytes());
        assertArrayEquals(data, f.readAll(root[0]));
    }

    @Test
    void dedupAgainstSeveralBasesFindsChunksInAnyOfThem() throws IOException {
        byte[] a = Fixture.random(4, 10 * CHUNK);
        byte[] b = Fixture.random(5, 10 * CHUNK);
        ManifestRoot ra = f.write(a);
        ManifestRoot rb = f.write(b);
        byte[] mix = new byte[20 * CHUNK];
        System.arraycopy(b, 0, mix, 0, 10 * CHUNK);
        System.arraycopy(a, 0, mix, 10 * CHUNK, 10 * CHUNK);
        ManifestRoot[] root = new ManifestRoot[1];
        ObjectWriter.WriteStats stats = writeWithStats(mix, f.repo.dedupIndex(List.of(ra, rb)), root);
        assertEquals(0, stats.storedBytes());
        assertArrayEquals(mix, f.readAll(root[0]));
    }

    @Test
    void dedupIndexReadsTheBaseManifestsOnlyWhenFirstAsked() throws IOException {
        ManifestRoot base = f.write(Fixture.random(6, 40 * CHUNK));
        f.repo.read(base, 0, 0, java.io.OutputStream.nullOutputStream());
        f.store.drain();
        DedupIndex index = f.repo.dedupIndex(List.of(base));
        assertTrue(f.store.drain().isEmpty());
        assertTrue(index.find(ChunkHash.sha256(new byte[] {1}, 0, 1)).isEmpty());
        assertTrue(!f.store.drain().isEmpty());
    }

    @Test
    void dedupAgainstAnEmptyOrSingleChunkBaseWorks() throws IOException {
        byte[] one = Fixture.random(7, 3000);
        ManifestRoot single = f.write(one);
        ManifestRoot[] root = new ManifestRoot[1];
        ObjectWriter.WriteStats stats = writeWithStats(one,
                f.repo.dedupIndex(List.of(ManifestRoot.empty(CHUNK), single)), root);
        assertEquals(0, stats.storedBytes());
        assertEquals(single, root[0]);
    }

    @Test
    void chunkTableHoldsAllInsertedRefsAcrossGrowth() {
        ChunkTable t = new ChunkTable(4, 1 << 20);
        PackId p1 = PackId.generate(java.time.Instant.now());
        PackId p2 = PackId.generate(java.time.Instant.now());
        for (int i = 0; i < 10_000; i++) {
            t.putIfAbsent(new ChunkRef(hashOf(i), i % 2 == 0 ? p1 : p2, i * 100L, i));
        }
        assertEquals(10_000, t.size());
        for (int i = 0; i < 10_000; i++) {
            assertEquals(new ChunkRef(hashOf(i), i % 2 == 0 ? p1 : p2, i * 100L, i), t.get(hashOf(i)));
        }
        assertEquals(null, t.get(hashOf(-1)));
    }

    @Test
    void fullDedupTableDropsNewEntriesButKeepsTheOldOnes() {
        ChunkTable t = new ChunkTable(4, 100);
        PackId p = PackId.generate(java.time.Instant.now());
        for (int i = 0; i < 1000; i++) {
            t.putIfAbsent(new ChunkRef(hashOf(i), p, i, 1));
        }
        assertEquals(100, t.size());
        assertEquals(new ChunkRef(hashOf(99), p, 99, 1), t.get(hashOf(99)));
        assertEquals(null, t.get(hashOf(100)));
    }

    @Test
    void uploadLargerThanItsDedupTableStillStoresEveryChunkCorrectly() throws IOException {
        f.close();
        f = new Fixture(dir, RepositoryConfig.defaults().withDedupTableEntries(8));
        byte[] block = Fixture.random(8, CHUNK);
        byte[] data = Fixture.random(9, 40 * CHUNK);
        System.arraycopy(block, 0, data, 0, CHUNK);
        System.arraycopy(block, 0, data, 39 * CHUNK, CHUNK); // repeats the first chunk: still in the table
        ManifestRoot[] root = new ManifestRoot[1];
        ObjectWriter.WriteStats stats = writeWithStats(data, DedupIndex.NONE, root);
        assertEquals(39L * CHUNK, stats.storedBytes());
        assertArrayEquals(data, f.readAll(root[0]));
    }

    private static ChunkHash hashOf(int i) {
        byte[] b = java.nio.ByteBuffer.allocate(4).putInt(i).array();
        return ChunkHash.sha256(b, 0, 4);
    }
}
