package io.imagegate.chunk;

import static io.imagegate.chunk.Fixture.CHUNK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ObjectRoundTripTest {

    @TempDir
    Path dir;

    private Fixture f;

    @BeforeEach
    void open() throws IOException {
        // small pages so modest objects already need inner pages
        f = new Fixture(dir, RepositoryConfig.defaults().withPageEntries(8));
    }

    @AfterEach
    void close() throws IOException {
        f.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 8 * CHUNK, 8 * CHUNK + 1, 64 * CHUNK + 17, 700 * CHUNK - 3})
    void objectReadsBackExactlyAtEverySize(int size) throws IOException {
        byte[] data = Fixture.random(size, size);
        ManifestRoot root = f.write(data);
        assertEquals(size, root.size());
        assertEquals(CHUNK, root.chunkSize());
        assertArrayEquals(data, f.readAll(root));
        assertArrayEquals(data, f.readAll(ManifestRoot.decode(root.encode())));
    }

    @Test
    void emptyObjectHasNoTopAndCreatesNoPack() throws IOException {
        ManifestRoot root = f.write(new byte[0]);
        assertEquals(ManifestRoot.empty(CHUNK), root);
        assertArrayEquals(new byte[0], f.readAll(root));
        assertTrue(f.packs().isEmpty());
    }

    @Test
    void objectOfOneChunkCostsNoManifestPage() throws IOException {
        byte[] data = Fixture.random(1, CHUNK);
        ManifestRoot root = f.write(data);
        assertEquals(0, root.depth());
        assertEquals(CHUNK, root.top().length());
        assertEquals(1, PackReader.readIndex(f.local, f.packs().get(0)).size());
    }

    @Test
    void treeDepthGrowsWithTheNumberOfChunks() throws IOException {
        assertEquals(1, f.write(Fixture.random(1, 8 * CHUNK)).depth());
        assertEquals(2, f.write(Fixture.random(2, 9 * CHUNK)).depth());
        assertEquals(3, f.write(Fixture.random(3, 65 * CHUNK)).depth());
    }

    @Test
    void writesInOddPiecesGiveTheSameObjectAsOneWrite() throws IOException {
        byte[] data = Fixture.random(5, 37 * CHUNK + 123);
        ManifestRoot whole = f.write(data);
        ManifestRoot pieces;
        try (ObjectWriter w = f.repo.newWriter(CHUNK, DedupIndex.NONE)) {
            Random r = new Random(5);
            for (int off = 0; off < data.length; ) {
                int n = Math.min(data.length - off, r.nextInt(3 * CHUNK));
                w.write(data, off, n);
                off += n;
            }
            pieces = w.finish();
        }
        assertEquals(hashes(whole), hashes(pieces)); // cut at the same aligned offsets
        assertArrayEquals(data, f.readAll(pieces));
    }

    private java.util.List<ChunkHash> hashes(ManifestRoot root) throws IOException {
        try (var chunks = f.repo.chunks(root, 0)) {
            return chunks.map(c -> c.ref().hash()).toList();
        }
    }

    @Test
    void writerRollsToANewPackAtTheMaximumPackSize() throws IOException {
        f.close();
        f = new Fixture(dir, RepositoryConfig.defaults().withMaxPackBytes(64 * 1024));
        byte[] data = Fixture.random(9, 100 * CHUNK);
        ManifestRoot root = f.write(data);
        assertTrue(f.packs().size() >= 7, "400 KiB in packs of 64 KiB");
        for (ChunkStore.PackInfo p : f.packs()) {
            assertTrue(p.size() <= 64 * 1024, "pack of " + p.size());
        }
        assertArrayEquals(data, f.readAll(root));
    }

    @Test
    void largerChunkSizesRoundTrip() throws IOException {
        byte[] data = Fixture.random(11, 3 * 1024 * 1024 + 5);
        for (int chunkSize : new int[] {65536, 1 << 20, 4 << 20}) {
            ManifestRoot root = f.write(data, chunkSize, DedupIndex.NONE);
            assertEquals(chunkSize, root.chunkSize());
            assertArrayEquals(data, f.readAll(root));
        }
    }

    @Test
    void chunkSizesOutsideTheAllowedRangeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> f.repo.newWriter(4095, DedupIndex.NONE));
        assertThrows(IllegalArgumentException.class, () -> f.repo.newWriter((4 << 20) + 1, DedupIndex.NONE));
    }

    @Test
    void statsCountLogicalStoredAndDedupedBytes() throws IOException {
        byte[] data = Fixture.random(3, 10 * CHUNK + 10);
        try (ObjectWriter w = f.repo.newWriter(CHUNK, DedupIndex.NONE)) {
            w.write(data, 0, data.length);
            w.finish();
            assertEquals(new ObjectWriter.WriteStats(data.length, data.length, 0, 11), w.stats());
        }
    }

    @Test
    void abortedWriterLeavesNoPackBehind() throws IOException {
        f.close();
        f = new Fixture(dir, RepositoryConfig.defaults().withMaxPackBytes(64 * 1024));
        try (ObjectWriter w = f.repo.newWriter(CHUNK, DedupIndex.NONE)) {
            byte[] data = Fixture.random(4, 50 * CHUNK);
            w.write(data, 0, data.length); // rolls, so some packs are already sealed
            w.abort();
            assertThrows(IllegalStateException.class, () -> w.finish());
        }
        assertTrue(f.packs().isEmpty());
        assertNull(listTemp());
    }

    @Test
    void closingAnUnfinishedWriterAbortsIt() throws IOException {
        try (ObjectWriter w = f.repo.newWriter(CHUNK, DedupIndex.NONE)) {
            byte[] data = Fixture.random(4, 3 * CHUNK);
            w.write(data, 0, data.length);
        }
        assertTrue(f.packs().isEmpty());
    }

    private Path listTemp() throws IOException {
        try (var s = java.nio.file.Files.list(dir.resolve("tmp"))) {
            return s.findFirst().orElse(null);
        }
    }

    @Test
    void reopenedStoreReadsWhatWasWritten() throws IOException {
        byte[] data = Fixture.random(6, 20 * CHUNK + 7);
        String encoded = f.write(data).encode();
        f.close();
        f = new Fixture(dir);
        assertArrayEquals(data, f.readAll(ManifestRoot.decode(encoded)));
    }

    @Test
    void bytesOfEveryRangeShapeMatchTheSource() throws IOException {
        byte[] data = Fixture.random(8, 40 * CHUNK + 333);
        ManifestRoot root = f.write(data);
        long[][] ranges = {
            {0, 0}, {0, 1}, {5, 10}, {CHUNK - 1, 2}, {CHUNK, CHUNK}, {CHUNK - 10, CHUNK + 20}, {0, CHUNK},
            {3 * CHUNK, 5 * CHUNK}, {100, 30 * CHUNK}, {data.length - 1, 1}, {data.length - 333, 333},
            {data.length - 334, 334}, {0, data.length}, {7 * CHUNK + 5, 9 * CHUNK}, {data.length, 0},
        };
        for (long[] r : ranges) {
            assertArrayEquals(Arrays.copyOfRange(data, (int) r[0], (int) (r[0] + r[1])), f.read(root, r[0], r[1]),
                    "range " + r[0] + "+" + r[1]);
        }
    }

    @Test
    void randomRangesMatchTheSourceWithAndWithoutVerification() throws IOException {
        byte[] data = Fixture.random(10, 90 * CHUNK + 1);
        ManifestRoot root = f.write(data);
        RepositoryConfig small = RepositoryConfig.defaults().withMaxReadBytes(64 * 1024);
        for (RepositoryConfig config : new RepositoryConfig[] {small.withVerifyOnRead(false),
                small.withVerifyPartialChunks(true), RepositoryConfig.defaults()}) {
            DefaultChunkRepository repo = f.sharingStore(config);
            Random r = new Random(10);
            for (int i = 0; i < 300; i++) {
                int off = r.nextInt(data.length);
                int len = r.nextInt(Math.min(data.length - off, 20 * CHUNK) + 1);
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                repo.read(root, off, len, out);
                assertArrayEquals(Arrays.copyOfRange(data, off, off + len), out.toByteArray(), config.toString());
            }
        }
    }

    @Test
    void rangesOutsideTheObjectAreRefused() throws IOException {
        ManifestRoot root = f.write(Fixture.random(1, 100));
        assertThrows(IndexOutOfBoundsException.class, () -> f.read(root, 50, 51));
        assertThrows(IndexOutOfBoundsException.class, () -> f.read(root, -1, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> f.read(root, 101, 0));
    }
}
