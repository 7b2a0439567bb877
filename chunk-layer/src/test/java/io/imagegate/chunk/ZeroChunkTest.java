package io.imagegate.chunk;

import static io.imagegate.chunk.Fixture.CHUNK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZeroChunkTest {

    @TempDir
    Path dir;

    private Fixture f;

    @BeforeEach
    void open() throws IOException {
        f = new Fixture(dir);
    }

    @AfterEach
    void close() throws IOException {
        f.close();
    }

    @Test
    void allZeroChunksAreReferencesIntoTheZeroPackAndStoreNoBytes() throws IOException {
        byte[] data = new byte[50 * CHUNK + 100];
        ObjectWriter.WriteStats stats;
        ManifestRoot root;
        try (ObjectWriter w = f.repo.newWriter(CHUNK, DedupIndex.NONE)) {
            w.write(data, 0, data.length);
            root = w.finish();
            stats = w.stats();
        }
        assertEquals(0, stats.storedBytes());
        assertEquals(data.length, stats.dedupedBytes());
        assertEquals(0, f.storedChunkBytes());
        try (var chunks = f.repo.chunks(root, 0)) {
            chunks.forEach(c -> {
                assertTrue(c.ref().isZero());
                assertEquals(ZeroChunks.hash(c.ref().length()), c.ref().hash());
            });
        }
        f.store.drain();
        assertArrayEquals(data, f.readAll(root));
        assertTrue(f.store.drain().isEmpty(), "the page is cached by chunks() above; zero chunks need no reads");
    }

    @Test
    void zeroChunkHashIsTheSha256OfThatManyZeros() {
        assertEquals(ChunkHash.sha256(new byte[CHUNK], 0, CHUNK), ZeroChunks.hash(CHUNK));
        assertEquals(ChunkHash.sha256(new byte[100], 0, 100), ZeroChunks.hash(100));
    }

    @Test
    void singleZeroChunkObjectCreatesNoPackAtAll() throws IOException {
        ManifestRoot root = f.write(new byte[CHUNK]);
        assertEquals(0, root.depth());
        assertTrue(root.top().isZero());
        assertTrue(f.packs().isEmpty());
        assertArrayEquals(new byte[CHUNK], f.readAll(root));
    }

    @Test
    void zeroRunsBetweenDataReadBackAndReadNoBytesFromPacks() throws IOException {
        byte[] data = Fixture.random(1, 12 * CHUNK);
        Arrays.fill(data, 2 * CHUNK, 9 * CHUNK, (byte) 0);
        ManifestRoot root = f.write(data);
        f.readAll(root); // warms the page cache
        f.store.drain();
        assertArrayEquals(Arrays.copyOfRange(data, 3 * CHUNK, 8 * CHUNK), f.read(root, 3 * CHUNK, 5 * CHUNK));
        assertTrue(f.store.drain().isEmpty());
        assertArrayEquals(data, f.readAll(root));
        assertEquals(5 * CHUNK, f.storedChunkBytes());
    }

    @Test
    void chunkWithOneNonZeroByteIsStored() throws IOException {
        byte[] data = new byte[2 * CHUNK];
        data[CHUNK + CHUNK / 2] = 1;
        ManifestRoot root = f.write(data);
        assertEquals(CHUNK, f.storedChunkBytes());
        assertArrayEquals(data, f.readAll(root));
    }
}
