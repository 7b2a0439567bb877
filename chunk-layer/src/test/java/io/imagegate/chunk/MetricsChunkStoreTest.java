package io.imagegate.chunk;

import static io.imagegate.chunk.Fixture.CHUNK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the metrics decorator counts, alone and over a cache. */
class MetricsChunkStoreTest {

    @TempDir
    Path dir;

    @Test
    void countsReadsWritesDeletesAndFailures() throws IOException {
        try (MetricsChunkStore metrics = new MetricsChunkStore(LocalChunkStore.open(dir))) {
            PackId id = PackId.generate(Instant.now());
            try (ChunkStore.PackOutput out = metrics.create(id)) {
                out.write(ByteBuffer.allocate(5000));
                out.seal();
            }
            metrics.read(id, 0, ByteBuffer.allocate(100));
            metrics.read(id, 100, ByteBuffer.allocate(200));
            assertThrows(PackNotFoundException.class,
                    () -> metrics.read(PackId.generate(Instant.now()), 0, ByteBuffer.allocate(1)));
            metrics.delete(id);
            assertEquals(new ChunkStoreStats(3, 300, 1, 3, 300, 0, 0, 1, 5000, 1), metrics.stats());
        }
    }

    @Test
    void overACacheItReportsHitsMissesAndBackendReads() throws IOException {
        Fixture.CountingStore backend = new Fixture.CountingStore(LocalChunkStore.open(dir));
        MetricsChunkStore metrics = new MetricsChunkStore(new CachingChunkStore(backend));
        try (DefaultChunkRepository repo = new DefaultChunkRepository(metrics)) {
            byte[] data = Fixture.random(1, 32 * CHUNK);
            ManifestRoot root;
            try (ObjectWriter w = repo.newWriter(CHUNK, DedupIndex.NONE)) {
                w.write(data, 0, data.length);
                root = w.finish();
            }
            for (int i = 0; i < 10; i++) {
                repo.read(root, 0, data.length, new ByteArrayOutputStream());
            }
            ChunkStoreStats s = metrics.stats();
            assertEquals(backend.reads.size(), s.backendReads());
            assertEquals(s.reads(), s.cacheHits() + s.cacheMisses());
            assertEquals(s.cacheMisses(), s.backendReads());
            assertTrue(s.bytesRead() >= 10L * data.length, "chunks plus entry headers and the page");
            System.out.printf("10 reads of one object through the cache: hit ratio %.2f, %d of %d reads reached"
                    + " the backend%n", s.cacheHitRatio(), s.backendReads(), s.reads());
        }
    }
}
